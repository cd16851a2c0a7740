// extern "C" API for writing a synthetic Breast Tomosynthesis Image (multi-frame, Enhanced-style
// functional groups). Implemented in C++ over DCMTK in dcmbridge_synth.cpp; no C++ type crosses
// this header. Status codes and the status struct are those of dcmbridge_write.h.
#ifndef DCMBRIDGE_SYNTH_H
#define DCMBRIDGE_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "dcmbridge_write.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Everything the Breast Tomosynthesis object holds. Strings are ASCII, never NULL ("" for none).
typedef struct dcms_dbt_volume {
    /// frames*rows*cols unsigned 16-bit samples, frame after frame, each row-major.
    const uint16_t *pixels;
    int rows;
    int cols;
    int frames;
    /// Bits actually used by the samples (12..16); every sample must be below 2^bits_stored.
    int bits_stored;
    /// PixelSpacing: row spacing (between rows), column spacing (between columns), in mm.
    double pixel_spacing[2];
    double slice_thickness;
    /// ImageOrientationPatient (row direction, then column direction; LPS unit vectors).
    double orientation[6];
    /// frames*3 ImagePositionPatient values (LPS mm), one triple per frame.
    const double *positions;
    double window_center;
    double window_width;

    const char *study_instance_uid;
    const char *series_instance_uid;
    const char *sop_instance_uid;
    const char *frame_of_reference_uid;
    const char *dimension_organization_uid;
    const char *patient_name;
    const char *patient_id;
    const char *study_id;
    const char *accession_number;
    /// DICOM DA (YYYYMMDD) and TM (HHMMSS) used for study, series, content and acquisition.
    const char *date;
    const char *time;
    const char *series_description;
    const char *image_comments;
    /// "R" or "L".
    const char *laterality;
    /// "CC" or "MLO".
    const char *view_position;
    const char *manufacturer;
    const char *model_name;
    const char *device_serial_number;
    const char *software_versions;
} dcms_dbt_volume;

/// Writes `volume` as a Breast Tomosynthesis Image Storage object (1.2.840.10008.5.1.4.1.1.13.1.3,
/// explicit VR little endian) to `output_path`: saved under a hidden temporary name, loaded back
/// and checked (class, size, frames, pixel length), then renamed into place.
int dcms_write_breast_tomosynthesis(const char *output_path, const dcms_dbt_volume *volume, dcmw_status *status);

#ifdef __cplusplus
}
#endif

#endif
