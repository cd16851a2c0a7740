#include "pngbridge.h"
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Decoded images larger than this are refused (a corrupt header must not allocate gigabytes).
#define PNGBRIDGE_MAX_BYTES ((size_t)1 << 31)

static void bridge_error(png_structp png, png_const_charp text) {
    char *message = (char *)png_get_error_ptr(png);
    if (message) {
        snprintf(message, 256, "%s", text ? text : "libpng error");
    }
    png_longjmp(png, 1);
}

// Warnings (bad CRC in ancillary chunks, unknown profiles, ...) do not stop decoding, as in PIL.
static void bridge_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

int pngbridge_read(const char *path, size_t max_pixels, pngbridge_image *out) {
    memset(out, 0, sizeof *out);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        out->sys_errno = errno;
        return PNGBRIDGE_CANNOT_OPEN;
    }
    unsigned char signature[8];
    if (fread(signature, 1, 8, fp) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(fp);
        return PNGBRIDGE_NOT_PNG;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, out->message, bridge_error, bridge_warning);
    if (!png) {
        fclose(fp);
        return PNGBRIDGE_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        fclose(fp);
        return PNGBRIDGE_NO_MEMORY;
    }
    // Touched after setjmp and needed after a longjmp, hence volatile.
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    volatile int status = PNGBRIDGE_OK;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(pixels);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        memset(out, 0, offsetof(pngbridge_image, sys_errno));
        return status == PNGBRIDGE_OK ? PNGBRIDGE_LIBPNG_ERROR : status;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    out->color_type = color_type;
    out->file_bit_depth = bit_depth;
    if (height == 0 || width > max_pixels / height) {
        snprintf(out->message, sizeof out->message, "%u x %u pixels, over the limit of %zu", width, height, max_pixels);
        status = PNGBRIDGE_TOO_LARGE;
        png_longjmp(png, 1);
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16) ||
        rowbytes != (size_t)width * (size_t)channels * (size_t)(depth / 8)) {
        snprintf(out->message, sizeof out->message, "unexpected layout after expansion: %d channels, %d bits", channels, depth);
        status = PNGBRIDGE_LIBPNG_ERROR;
        png_longjmp(png, 1);
    }
    if (height == 0 || rowbytes == 0 || rowbytes > PNGBRIDGE_MAX_BYTES / height) {
        status = PNGBRIDGE_TOO_LARGE;
        png_longjmp(png, 1);
    }
    pixels = malloc(rowbytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        status = PNGBRIDGE_NO_MEMORY;
        png_longjmp(png, 1);
    }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->bit_depth = depth;
    out->pixels = pixels;
    return PNGBRIDGE_OK;
}

void pngbridge_free(pngbridge_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}

int pngbridge_write(const char *path, const unsigned char *pixels, int width, int height,
                    int channels, int bit_depth, char *message, int *sys_errno) {
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    message[0] = 0;
    *sys_errno = 0;
    if (width <= 0 || height <= 0 || channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16)) {
        return PNGBRIDGE_BAD_ARGUMENT;
    }
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        *sys_errno = errno;
        return PNGBRIDGE_CANNOT_OPEN;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, bridge_error, bridge_warning);
    if (!png) {
        fclose(fp);
        return PNGBRIDGE_NO_MEMORY;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        fclose(fp);
        return PNGBRIDGE_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(fp);
        return PNGBRIDGE_LIBPNG_ERROR;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_types[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t rowbytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    for (int y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * rowbytes));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    if (fclose(fp) != 0) {
        *sys_errno = errno;
        snprintf(message, 256, "closing the file failed");
        return PNGBRIDGE_LIBPNG_ERROR;
    }
    return PNGBRIDGE_OK;
}
