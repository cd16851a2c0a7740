// A small C API over nifti_clib (libnifti2, which reads and writes NIfTI-1 and NIfTI-2).
// No nifti_clib type crosses into Swift: callers see plain structs, numbers and buffers.
// Every function returns NIFTISHIM_OK or an error code, and writes a one-line reason into `err`.
#ifndef NIFTISHIM_H
#define NIFTISHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    NIFTISHIM_OK = 0,
    NIFTISHIM_ERR_OPEN = 1,      // the file cannot be opened
    NIFTISHIM_ERR_HEADER = 2,    // not a NIfTI header, or a header nifti_clib rejects
    NIFTISHIM_ERR_DATATYPE = 3,  // a datatype this shim does not convert (complex, RGB, float128, …)
    NIFTISHIM_ERR_SIZE = 4,      // a caller buffer that does not match the declared dimensions
    NIFTISHIM_ERR_DATA = 5,      // voxel data missing, truncated or an unreadable compressed stream
    NIFTISHIM_ERR_WRITE = 6,     // the output could not be written
    NIFTISHIM_ERR_TOO_LARGE = 7, // a gzip stream that inflates to more than the caller's cap
};

/// NIfTI codes the Swift side needs (the values of nifti1.h's DT_*, NIFTI_INTENT_* and NIFTI_UNITS_*).
enum {
    NIFTISHIM_DT_UINT8 = 2,
    NIFTISHIM_DT_FLOAT32 = 16,
    NIFTISHIM_INTENT_ESTIMATE = 1001,
    NIFTISHIM_INTENT_LABEL = 1002,
    NIFTISHIM_UNITS_MM = 2,
};

/// The parts of a NIfTI header the reader needs; matrices are 4×4 row-major.
typedef struct niftishim_header {
    int version;          // 1 or 2, from sizeof_hdr (348 or 540, either byte order)
    int byte_swapped;     // 1 when sizeof_hdr was stored in the other byte order
    int64_t dim[8];       // dim[0] = number of dimensions, dim[1..7] extents
    double pixdim[8];     // pixdim[0] = qfac, pixdim[1..3] voxel sizes
    int datatype;         // NIfTI DT_* code
    int nbyper;           // bytes per voxel
    double scl_slope;
    double scl_inter;
    double cal_min;
    double cal_max;
    int qform_code;
    int sform_code;
    double quatern[3];    // quatern_b, quatern_c, quatern_d
    double qoffset[3];    // qoffset_x, qoffset_y, qoffset_z
    double qfac;
    double qto_xyz[16];   // the qform as a matrix (nifti_clib fills it from pixdim when qform_code is 0)
    double sto_xyz[16];   // the sform rows (meaningful when sform_code > 0)
    int xyz_units;
    int time_units;
    int intent_code;
    char descrip[81];
} niftishim_header;

/// Geometry written into an output header, copied verbatim so viewers overlay it on its source.
typedef struct niftishim_geometry {
    int qform_code;
    int sform_code;
    double quatern[3];
    double qoffset[3];
    double qfac;          // +1 or -1
    double pixdim[3];
    double srow[12];      // sform rows x, y, z (row-major 3×4)
    int xyz_units;
} niftishim_geometry;

/// Reads and checks the header of `path` (.nii, .nii.gz; NIfTI-1 or NIfTI-2). Reads no voxel data.
int niftishim_read_header(const char *path, niftishim_header *out, char *err, size_t errlen);

/// Reads the first 3-D volume of `path` as float32 with scl_slope/scl_inter applied (slope 0: no scaling).
/// `count` must equal dim[1]*dim[2]*dim[3] (dimensions of extent 0 count as 1).
/// A gzip file is first inflated once in full to check its CRC-32 (nifti_clib stops before the trailer);
/// that pass refuses streams inflating to more than `max_inflated_bytes`.
int niftishim_read_f32(const char *path, float *out, size_t count, int64_t max_inflated_bytes, char *err,
                       size_t errlen);

/// Writes a 3-D volume (`datatype` DT_UINT8 = 2 or DT_FLOAT32 = 16) with the given geometry.
/// `version` must be 1 (NIfTI-2 output is refused, see niftishim.c); the extension of `path` (.nii or .nii.gz) chooses compression.
int niftishim_write(const char *path, int version, const int64_t dims[3], const niftishim_geometry *geometry,
                    int datatype, const void *data, double cal_min, double cal_max, int intent_code,
                    const char *descrip, char *err, size_t errlen);

/// Quaternion parameters of a 4×4 row-major affine, as nifti_clib computes them for a qform.
void niftishim_affine_to_quatern(const double affine[16], double quatern[3], double qoffset[3],
                                 double pixdim[3], double *qfac);

/// Compressed size of the file in bytes, or -1 when it cannot be read.
int64_t niftishim_file_size(const char *path);

#ifdef __cplusplus
}
#endif

#endif
