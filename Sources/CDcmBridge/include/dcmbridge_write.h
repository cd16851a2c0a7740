// extern "C" API for writing derived DICOM objects (Secondary Capture, derived copy with an
// overlay plane, binary Segmentation) next to a source study. Implemented in C++ over DCMTK in
// dcmbridge_write.cpp; no C++ type crosses this header.
//
// Every writer builds the object, saves it under a hidden temporary name in the output folder,
// loads that file back (SOP class, rows, columns, frames and pixel data length must match), and
// only then renames it into place. On failure nothing is left at the output path.
#ifndef DCMBRIDGE_WRITE_H
#define DCMBRIDGE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes; `dcmw_status.path` names the file a failure is about.
enum {
    DCMW_OK = 0,
    DCMW_SOURCE_UNREADABLE = 1,  // a source file could not be loaded as DICOM
    DCMW_SOURCE_ATTRIBUTE = 2,   // a source lacks an attribute the output needs
    DCMW_UNSUPPORTED_SOURCE = 3, // a source this writer cannot derive from (multi-frame, undecodable)
    DCMW_INVALID_INPUT = 4,      // caller data inconsistent (sizes, geometry, UIDs)
    DCMW_BUILD_FAILED = 5,       // DCMTK refused to assemble the object
    DCMW_WRITE_FAILED = 6,       // saving or renaming the output failed
    DCMW_READBACK_FAILED = 7     // the written file did not load back as written
};

typedef struct dcmw_status {
    int code;
    char path[1024];
    char message[1024];
} dcmw_status;

/// Identity, dates and provenance text of the object being written. Strings are UTF-8 / ASCII,
/// never NULL (use "" for none).
typedef struct dcmw_instance_info {
    const char *series_instance_uid;
    const char *sop_instance_uid;
    int series_number;
    /// <= 0 keeps the source's InstanceNumber (overlay copy) or writes 1.
    int instance_number;
    const char *series_description;
    /// DICOM DA (YYYYMMDD) and TM (HHMMSS) from the caller's clock: Series, Content and
    /// InstanceCreation date/time all use them.
    const char *date;
    const char *time;
    const char *manufacturer;
    const char *model_name;
    const char *device_serial_number;
    const char *software_versions;
    /// ImageComments (LT).
    const char *image_comments;
    /// DerivationDescription (ST).
    const char *derivation_description;
} dcmw_instance_info;

/// A one-bit overlay plane. `mask` holds rows*cols bytes, row-major; non-zero marks a pixel.
typedef struct dcmw_overlay {
    const uint8_t *mask;
    int rows;
    int cols;
    /// 'G' (graphics) or 'R' (region of interest).
    char type;
    const char *description;
    const char *label;
} dcmw_overlay;

/// Writes a Secondary Capture (1.2.840.10008.5.1.4.1.1.7) holding `rgb` (rows*cols*3 bytes,
/// pixel-interleaved) in a new series of the source's study, referencing `source_path` frame
/// `source_frame` (0-based) in SourceImageSequence. `overlay` (may be NULL) becomes plane 6000
/// and must have the image's rows and cols.
int dcmw_write_secondary_capture(const char *source_path, int source_frame, const char *output_path,
                                 const uint8_t *rgb, int rows, int cols, int burned_in_annotation,
                                 const dcmw_instance_info *info, const dcmw_overlay *overlay,
                                 dcmw_status *status);

/// Writes a copy of the single-frame image `source_path` (pixels decoded to explicit VR little
/// endian; window, rescale and all other attributes kept) as a DERIVED image in a new series,
/// with `overlay` in the first free overlay group from 6000 (returned in `overlay_group`).
int dcmw_write_overlay_copy(const char *source_path, const char *output_path,
                            const dcmw_instance_info *info, const dcmw_overlay *overlay,
                            int *overlay_group, dcmw_status *status);

/// One SEG frame: the source image (file and 0-based frame) it covers, that image's
/// ImagePositionPatient, and rows*cols mask bytes (non-zero = in the segment).
typedef struct dcmw_seg_frame {
    const char *source_path;
    int source_frame;
    double position[3];
    const uint8_t *mask;
} dcmw_seg_frame;

typedef struct dcmw_seg_params {
    int rows;
    int cols;
    /// When non-zero, the geometry below is used; otherwise PixelSpacing, SliceThickness and
    /// ImageOrientationPatient are read from the first source (top level or shared groups).
    int has_geometry;
    /// DICOM order: spacing between rows, then between columns (mm).
    double pixel_spacing[2];
    double slice_thickness;
    /// Row direction cosines then column direction cosines (LPS).
    double orientation[6];
    const char *segment_label;
    const char *segment_description;
    const char *algorithm_name;
    const char *algorithm_version;
    const char *content_label;
    const char *content_description;
    const char *content_creator;
    const char *dimension_organization_uid;
} dcmw_seg_params;

/// Writes a binary Segmentation with one segment and one frame per entry of `frames`.
int dcmw_write_segmentation(const char *output_path, const dcmw_seg_params *params,
                            const dcmw_seg_frame *frames, int frame_count,
                            const dcmw_instance_info *info, dcmw_status *status);

/// Writes a new UID under `root` (DCMTK's dcmGenerateUniqueIdentifier) into `out` (at least 65
/// bytes). Returns 0 on success.
int dcmw_generate_uid(const char *root, char *out, size_t out_len);

#ifdef __cplusplus
}
#endif
#endif
