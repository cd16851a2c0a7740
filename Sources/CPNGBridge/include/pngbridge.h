// C API over libpng's classic interface; implemented in pngbridge.c.
// libpng reports errors by longjmp; every setjmp lives inside pngbridge.c, so no jump ever
// crosses a Swift frame. No libpng types cross into Swift.
#ifndef PNGBRIDGE_H
#define PNGBRIDGE_H
#include <stddef.h>

/// Status codes returned by the bridge functions.
enum {
    PNGBRIDGE_OK = 0,
    PNGBRIDGE_CANNOT_OPEN = 1,   // fopen failed; errno is kept in `sys_errno`
    PNGBRIDGE_NOT_PNG = 2,       // the first 8 bytes are not the PNG signature
    PNGBRIDGE_LIBPNG_ERROR = 3,  // libpng reported an error; text in `message`
    PNGBRIDGE_TOO_LARGE = 4,     // the decoded image would not fit in memory limits
    PNGBRIDGE_NO_MEMORY = 5,
    PNGBRIDGE_BAD_ARGUMENT = 6,
};

/// A decoded PNG: samples as stored in the file after expansion (palette → RGB(A), low bit
/// depths → 8 bit, tRNS → alpha), 8 or 16 bits per sample, 16-bit samples big-endian.
typedef struct {
    int width;
    int height;
    int channels;        // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int bit_depth;       // 8 or 16
    int color_type;      // the file's PNG colour type (0, 2, 3, 4, 6)
    int file_bit_depth;  // the file's bit depth (1, 2, 4, 8, 16)
    unsigned char *pixels;  // malloc'ed, height * width * channels * bit_depth / 8 bytes
    int sys_errno;
    char message[256];
} pngbridge_image;

/// Reads `path`, refusing (PNGBRIDGE_TOO_LARGE) an image whose header declares more than
/// `max_pixels` pixels before anything is allocated for it. On success `out->pixels` must be
/// released with `pngbridge_free`.
int pngbridge_read(const char *path, size_t max_pixels, pngbridge_image *out);

/// Releases the pixels of an image returned by `pngbridge_read`.
void pngbridge_free(pngbridge_image *image);

/// Writes `pixels` (interleaved, 16-bit samples big-endian) as a non-interlaced PNG.
/// `channels` 1–4, `bit_depth` 8 or 16. Error text goes to `message` (256 bytes), errno to `sys_errno`.
int pngbridge_write(const char *path, const unsigned char *pixels, int width, int height,
                    int channels, int bit_depth, char *message, int *sys_errno);
#endif
