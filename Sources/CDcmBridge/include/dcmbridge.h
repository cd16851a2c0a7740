// extern "C" bridge over DCMTK (reading side); implemented in C++ (dcmbridge_read.cpp).
// No C++ types cross into Swift: plain structs with fixed-size buffers, status codes and an
// error message buffer. Strings are NUL-terminated UTF-8 (or the file's own character set when
// DCMTK cannot convert it); over-long values are truncated, never overflowed.
#ifndef DCMBRIDGE_H
#define DCMBRIDGE_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

/// Status codes returned by every bridge call. 0 is success.
enum dcmbridge_status {
    DCMBRIDGE_OK = 0,
    /// The file could not be opened or parsed as DICOM (missing, truncated, not DICOM).
    DCMBRIDGE_UNREADABLE = 1,
    /// The file is DICOM but lacks or contradicts required attributes.
    DCMBRIDGE_INVALID = 2,
    /// The file is valid but uses something this bridge does not decode (colour, transfer syntax, LUT…).
    DCMBRIDGE_UNSUPPORTED = 3,
    /// The object has no Pixel Data.
    DCMBRIDGE_NO_PIXEL_DATA = 4,
    /// Decoding the pixel data failed (corrupt or truncated compressed stream).
    DCMBRIDGE_DECODE_FAILED = 5,
    /// A caller-supplied buffer is too small or an argument is out of range.
    DCMBRIDGE_BAD_ARGUMENT = 6,
    /// DCMTK's data dictionary is not loaded (the libdcmtk17 runtime files are missing).
    DCMBRIDGE_NO_DICTIONARY = 7,
};

/// Flags for dcmbridge_read_header.
enum dcmbridge_header_flags {
    /// Also fill patient_name / patient_id. Off by default so that nothing downstream can log them.
    DCMBRIDGE_WITH_PATIENT = 1,
};

/// Room for an error message, filled by failing calls.
#define DCMBRIDGE_MESSAGE_SIZE 512

/// Geometry and value transformation of one frame, merged from the shared and the per-frame
/// functional groups (per-frame wins), falling back to top-level attributes.
typedef struct dcmbridge_frame_geometry {
    int has_position;
    double position[3];
    int has_orientation;
    double orientation[6];
    int has_pixel_spacing;
    double pixel_spacing[2];
    int has_slice_thickness;
    double slice_thickness;
    int has_rescale;
    double rescale_slope;
    double rescale_intercept;
    int has_window;
    double window_center;
    double window_width;
    /// FrameContentSequence: StackID as a string ("" when absent), InStackPositionNumber and
    /// TemporalPositionIndex (0 when absent).
    char stack_id[24];
    int in_stack_position;
    int temporal_position;
} dcmbridge_frame_geometry;

/// Header attributes read without loading pixel data.
typedef struct dcmbridge_header {
    char sop_class_uid[72];
    char sop_instance_uid[72];
    char study_instance_uid[72];
    char series_instance_uid[72];
    char frame_of_reference_uid[72];
    char transfer_syntax_uid[72];
    char modality[24];
    char series_description[256];
    /// ImageType values joined by backslashes, as stored.
    char image_type[256];
    char photometric_interpretation[24];
    /// Only filled with DCMBRIDGE_WITH_PATIENT.
    char patient_name[256];
    char patient_id[128];

    int has_series_number;
    int series_number;
    int has_instance_number;
    int instance_number;

    int rows;
    int columns;
    /// NumberOfFrames, 1 when absent.
    int frames;
    int bits_allocated;
    int bits_stored;
    int high_bit;
    int pixel_representation;
    int samples_per_pixel;
    /// 1 when the dataset holds a Pixel Data (or Float/Double Float Pixel Data) element.
    int has_pixel_data;
    /// 1 when a Modality LUT Sequence is present (not applied by this bridge).
    int has_modality_lut;

    /// Geometry, rescale and window at the top level of the dataset (what single-frame objects
    /// use). Multi-frame functional groups are read by dcmbridge_read_frame_geometry.
    dcmbridge_frame_geometry top_level;
    /// ImagerPixelSpacing (projection radiography: at the detector, not corrected for magnification).
    int has_imager_pixel_spacing;
    double imager_pixel_spacing[2];

    /// 1 when Shared or Per-frame Functional Groups Sequences are present (enhanced multi-frame).
    int has_functional_groups;
} dcmbridge_header;

/// What decoding did to the values of the returned frames.
typedef struct dcmbridge_pixel_info {
    /// 1 when MONOCHROME1 values were inverted so that larger means brighter, as in MONOCHROME2.
    int inverted;
    /// 1 when a rescale (from the frame's functional groups or the top level) was applied.
    int rescaled;
    /// 1 when the JPEG 2000 codestream's signedness disagreed with PixelRepresentation and the
    /// stored bits were reinterpreted per PixelRepresentation.
    int j2k_sign_mismatch;
    /// Minimum and maximum over all returned values.
    float min_value;
    float max_value;
} dcmbridge_pixel_info;

/// Loads the data dictionary and registers the JPEG, JPEG-LS and RLE decoders (idempotent,
/// thread-safe). Returns 1 when the data dictionary is loaded, 0 otherwise.
int dcmbridge_init(void);

/// Reads header attributes without pixel data. `flags` is a combination of dcmbridge_header_flags.
int dcmbridge_read_header(const char *path, int flags, dcmbridge_header *out, char *message, size_t message_size);

/// Fills `out[0 ..< count]` with the geometry of frames 0 ..< count (count ≤ NumberOfFrames).
int dcmbridge_read_frame_geometry(const char *path, dcmbridge_frame_geometry *out, int count,
                                  char *message, size_t message_size);

/// Decodes frames `first ..< first + count` to float32 in physical units: stored values with the
/// frame's rescale slope/intercept applied; MONOCHROME1 inverted (see dcmbridge_pixel_info).
/// `out` holds `capacity` floats; frame f occupies `rows * columns` values, x fastest.
/// Single-sample (grey) images only.
int dcmbridge_read_frames_f32(const char *path, int first, int count, float *out, size_t capacity,
                              dcmbridge_pixel_info *info, char *message, size_t message_size);

#ifdef __cplusplus
}
#endif
#endif
