// C API over nifti_clib; see include/niftishim.h.
// znzlib's structures depend on HAVE_ZLIB, and nifti2_io.h includes <znzlib.h>, so define it first.
#define HAVE_ZLIB 1
#include <nifti2_io.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <zlib.h>
#include "niftishim.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...) {
    if (err == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void set_quiet(void) { nifti_set_debug_level(0); }

static void quiet(void) {
    // nifti_clib prints its own diagnostics to stderr; the shim reports errors to the caller instead.
    // The level is a library global, so it is set once rather than on every (possibly concurrent) call.
    pthread_once(&quiet_once, set_quiet);
}

static void mat_to_rows(nifti_dmat44 m, double out[16]) {
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) out[r * 4 + c] = m.m[r][c];
}

static int32_t swap32(int32_t v) {
    uint32_t u = (uint32_t)v;
    u = ((u & 0xFFu) << 24) | ((u & 0xFF00u) << 8) | ((u >> 8) & 0xFF00u) | (u >> 24);
    return (int32_t)u;
}

/// The NIfTI version from sizeof_hdr (the first 4 bytes), read through zlib so .nii.gz works too.
/// nifti_image.nifti_type is not reliable for this (it reads 1 for some NIfTI-2 files).
static int detect_version(const char *path, int *version, int *swapped, char *err, size_t errlen) {
    znzFile fp = znzopen(path, "rb", 1);
    if (znz_isnull(fp)) {
        set_err(err, errlen, "cannot open file");
        return NIFTISHIM_ERR_OPEN;
    }
    unsigned char header[540];
    size_t got = znzread(header, 1, sizeof header, fp);
    znzclose(fp);
    int32_t size = 0;
    if (got >= sizeof size) memcpy(&size, header, sizeof size);
    if (got < sizeof size) {
        set_err(err, errlen, "file too short or unreadable compressed stream (no NIfTI header)");
        return NIFTISHIM_ERR_HEADER;
    }
    *swapped = 0;
    if (size == 348 || size == 540) {
        *version = size == 348 ? 1 : 2;
    } else if (swap32(size) == 348 || swap32(size) == 540) {
        *version = swap32(size) == 348 ? 1 : 2;
        *swapped = 1;
    } else {
        set_err(err, errlen, "not a NIfTI file (sizeof_hdr is %d, expected 348 or 540)", (int)size);
        return NIFTISHIM_ERR_HEADER;
    }
    // dim[0] (int16 at byte 40 in NIfTI-1, int64 at byte 16 in NIfTI-2) is checked here because
    // nifti_clib 2.0 overruns a stack array while reading a NIfTI-2 header whose dim[0] exceeds 7.
    size_t needed = *version == 1 ? 348 : 540;
    if (got < needed) {
        set_err(err, errlen, "file too short for a NIfTI-%d header (%zu of %zu bytes)", *version, got, needed);
        return NIFTISHIM_ERR_HEADER;
    }
    int64_t rank = 0;
    if (*version == 1) {
        uint16_t v;
        memcpy(&v, header + 40, sizeof v);
        if (*swapped) v = (uint16_t)((v << 8) | (v >> 8));
        rank = (int16_t)v;
    } else {
        uint64_t v;
        memcpy(&v, header + 16, sizeof v);
        if (*swapped) v = __builtin_bswap64(v);
        rank = (int64_t)v;
    }
    if (rank < 1 || rank > 7) {
        set_err(err, errlen, "dim[0] is %lld; a NIfTI header has 1 to 7 dimensions", (long long)rank);
        return NIFTISHIM_ERR_HEADER;
    }
    return NIFTISHIM_OK;
}

static int supported_datatype(int dt) {
    switch (dt) {
    case DT_UINT8: case DT_INT8: case DT_INT16: case DT_UINT16: case DT_INT32: case DT_UINT32:
    case DT_INT64: case DT_UINT64: case DT_FLOAT32: case DT_FLOAT64:
        return 1;
    default:
        return 0;
    }
}

int64_t niftishim_file_size(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return -1;
    return (int64_t)st.st_size;
}

int niftishim_read_header(const char *path, niftishim_header *out, char *err, size_t errlen) {
    quiet();
    memset(out, 0, sizeof *out);
    int rc = detect_version(path, &out->version, &out->byte_swapped, err, errlen);
    if (rc != NIFTISHIM_OK) return rc;
    nifti_image *nim = nifti_image_read(path, 0);
    if (nim == NULL) {
        set_err(err, errlen, "nifti_clib rejected the header (corrupt or inconsistent NIfTI-%d header)", out->version);
        return NIFTISHIM_ERR_HEADER;
    }
    for (int i = 0; i < 8; i++) {
        out->dim[i] = nim->dim[i];
        out->pixdim[i] = nim->pixdim[i];
    }
    out->datatype = nim->datatype;
    out->nbyper = nim->nbyper;
    out->scl_slope = nim->scl_slope;
    out->scl_inter = nim->scl_inter;
    out->cal_min = nim->cal_min;
    out->cal_max = nim->cal_max;
    out->qform_code = nim->qform_code;
    out->sform_code = nim->sform_code;
    out->quatern[0] = nim->quatern_b;
    out->quatern[1] = nim->quatern_c;
    out->quatern[2] = nim->quatern_d;
    out->qoffset[0] = nim->qoffset_x;
    out->qoffset[1] = nim->qoffset_y;
    out->qoffset[2] = nim->qoffset_z;
    out->qfac = nim->qfac;
    mat_to_rows(nim->qto_xyz, out->qto_xyz);
    mat_to_rows(nim->sto_xyz, out->sto_xyz);
    out->xyz_units = nim->xyz_units;
    out->time_units = nim->time_units;
    out->intent_code = nim->intent_code;
    memcpy(out->descrip, nim->descrip, 80);
    out->descrip[80] = 0;
    nifti_image_free(nim);
    return NIFTISHIM_OK;
}

/// Converts `n` voxels of type T at `src` to float with an optional linear scaling, in double precision.
/// For a gzip file, inflates the whole stream once and checks every member's CRC-32 and length.
/// nifti_clib stops reading at the last voxel, before the gzip trailer, so without this pass a stream
/// whose deflate data decode to wrong bytes would pass unnoticed. Plain files pass trivially.
/// Stops with NIFTISHIM_ERR_TOO_LARGE once more than `max_bytes` have been inflated (a gzip bomb would
/// otherwise keep this pass busy for as long as its stream lasts).
static int check_gzip_stream(const char *path, int64_t max_bytes, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        set_err(err, errlen, "cannot open file");
        return NIFTISHIM_ERR_OPEN;
    }
    unsigned char magic[2] = {0, 0};
    size_t got = fread(magic, 1, 2, f);
    fclose(f);
    if (got != 2 || magic[0] != 0x1f || magic[1] != 0x8b) return NIFTISHIM_OK;
    gzFile gz = gzopen(path, "rb");
    if (gz == NULL) {
        set_err(err, errlen, "cannot open gzip stream");
        return NIFTISHIM_ERR_OPEN;
    }
    enum { CHUNK = 1 << 18 };
    unsigned char *buffer = malloc(CHUNK);
    if (buffer == NULL) {
        gzclose(gz);
        set_err(err, errlen, "out of memory");
        return NIFTISHIM_ERR_DATA;
    }
    int n;
    int64_t total = 0;
    while ((n = gzread(gz, buffer, CHUNK)) > 0) {
        total += n;
        if (total > max_bytes) {
            free(buffer);
            gzclose(gz);
            set_err(err, errlen, "gzip stream inflates to more than %lld bytes", (long long)max_bytes);
            return NIFTISHIM_ERR_TOO_LARGE;
        }
    }
    int code = Z_OK;
    const char *message = gzerror(gz, &code);
    int rc = NIFTISHIM_OK;
    if (n < 0 || code != Z_OK) {
        set_err(err, errlen, "corrupt gzip stream (%s)", message != NULL && *message ? message : "zlib error");
        rc = NIFTISHIM_ERR_DATA;
    }
    free(buffer);
    gzclose(gz);
    return rc;
}

#define CONVERT(T)                                                                 \
    do {                                                                           \
        const T *s = (const T *)src;                                               \
        if (scale)                                                                 \
            for (size_t i = 0; i < n; i++) out[i] = (float)((double)s[i] * slope + inter); \
        else                                                                       \
            for (size_t i = 0; i < n; i++) out[i] = (float)s[i];                   \
    } while (0)

int niftishim_read_f32(const char *path, float *out, size_t count, int64_t max_inflated_bytes, char *err,
                       size_t errlen) {
    quiet();
    int checked = check_gzip_stream(path, max_inflated_bytes, err, errlen);
    if (checked != NIFTISHIM_OK) return checked;
    nifti_image *nim = nifti_image_read(path, 0);
    if (nim == NULL) {
        set_err(err, errlen, "cannot read the NIfTI header");
        return NIFTISHIM_ERR_HEADER;
    }
    if (!supported_datatype(nim->datatype)) {
        set_err(err, errlen, "unsupported datatype %d (%s)", nim->datatype, nifti_datatype_string(nim->datatype));
        nifti_image_free(nim);
        return NIFTISHIM_ERR_DATATYPE;
    }
    int64_t n3 = 1;
    for (int i = 1; i <= 3; i++) n3 *= (nim->dim[0] >= i && nim->dim[i] > 0) ? nim->dim[i] : 1;
    if ((int64_t)count != n3) {
        set_err(err, errlen, "buffer holds %zu voxels but the first volume has %lld", count, (long long)n3);
        nifti_image_free(nim);
        return NIFTISHIM_ERR_SIZE;
    }
    // -1 keeps a whole dimension; 0 picks index 0 of dimensions 4..7, i.e. the first 3-D volume.
    const int64_t pick[8] = {0, -1, -1, -1, 0, 0, 0, 0};
    void *src = NULL;
    int64_t got = nifti_read_collapsed_image(nim, pick, &src);
    if (got < 0 || src == NULL || got != n3 * nim->nbyper) {
        set_err(err, errlen, "voxel data missing or unreadable (truncated file or corrupt compressed stream)");
        free(src);
        nifti_image_free(nim);
        return NIFTISHIM_ERR_DATA;
    }
    const size_t n = (size_t)n3;
    const double slope = nim->scl_slope, inter = nim->scl_inter;
    // NIfTI: scl_slope == 0 means the data are not scaled; a non-finite slope is treated the same way.
    const int scale = slope != 0.0 && isfinite(slope) && isfinite(inter) && !(slope == 1.0 && inter == 0.0);
    switch (nim->datatype) {
    case DT_UINT8: CONVERT(uint8_t); break;
    case DT_INT8: CONVERT(int8_t); break;
    case DT_INT16: CONVERT(int16_t); break;
    case DT_UINT16: CONVERT(uint16_t); break;
    case DT_INT32: CONVERT(int32_t); break;
    case DT_UINT32: CONVERT(uint32_t); break;
    case DT_INT64: CONVERT(int64_t); break;
    case DT_UINT64: CONVERT(uint64_t); break;
    case DT_FLOAT32: CONVERT(float); break;
    case DT_FLOAT64: CONVERT(double); break;
    default: break;  // excluded by supported_datatype above
    }
    free(src);
    nifti_image_free(nim);
    return NIFTISHIM_OK;
}

int niftishim_write(const char *path, int version, const int64_t dims[3], const niftishim_geometry *g,
                    int datatype, const void *data, double cal_min, double cal_max, int intent_code,
                    const char *descrip, char *err, size_t errlen) {
    quiet();
    if (datatype != DT_UINT8 && datatype != DT_FLOAT32) {
        set_err(err, errlen, "the writer only writes uint8 or float32, not datatype %d", datatype);
        return NIFTISHIM_ERR_DATATYPE;
    }
    // nifti_clib 3.0.1's nifti_image_write wrote a NIfTI-2 single file without its header when tried
    // (nifti_type 4 after nifti_set_filenames), so only NIfTI-1 is written.
    if (version != 1) {
        set_err(err, errlen, "only NIfTI-1 output is supported, not version %d", version);
        return NIFTISHIM_ERR_WRITE;
    }
    for (int i = 0; i < 3; i++) {
        if (dims[i] < 1 || dims[i] > 32767) {
            set_err(err, errlen, "dimension %lld does not fit a NIfTI-1 header (1...32767)", (long long)dims[i]);
            return NIFTISHIM_ERR_WRITE;
        }
    }
    const int64_t d8[8] = {3, dims[0], dims[1], dims[2], 1, 1, 1, 1};
    nifti_image *nim = nifti_make_new_nim(d8, datatype, 0);
    if (nim == NULL) {
        set_err(err, errlen, "nifti_clib could not create an image of %lld x %lld x %lld",
                (long long)dims[0], (long long)dims[1], (long long)dims[2]);
        return NIFTISHIM_ERR_WRITE;
    }
    nim->dx = nim->pixdim[1] = g->pixdim[0];
    nim->dy = nim->pixdim[2] = g->pixdim[1];
    nim->dz = nim->pixdim[3] = g->pixdim[2];
    nim->qform_code = g->qform_code;
    nim->sform_code = g->sform_code;
    nim->quatern_b = g->quatern[0];
    nim->quatern_c = g->quatern[1];
    nim->quatern_d = g->quatern[2];
    nim->qoffset_x = g->qoffset[0];
    nim->qoffset_y = g->qoffset[1];
    nim->qoffset_z = g->qoffset[2];
    nim->qfac = nim->pixdim[0] = g->qfac < 0 ? -1.0 : 1.0;
    nim->qto_xyz = nifti_quatern_to_dmat44(nim->quatern_b, nim->quatern_c, nim->quatern_d, nim->qoffset_x,
                                           nim->qoffset_y, nim->qoffset_z, nim->dx, nim->dy, nim->dz, nim->qfac);
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 4; c++) nim->sto_xyz.m[r][c] = g->srow[r * 4 + c];
    nim->sto_xyz.m[3][0] = nim->sto_xyz.m[3][1] = nim->sto_xyz.m[3][2] = 0.0;
    nim->sto_xyz.m[3][3] = 1.0;
    nim->xyz_units = g->xyz_units;
    nim->scl_slope = 0.0;  // values are stored unscaled
    nim->scl_inter = 0.0;
    nim->cal_min = cal_min;
    nim->cal_max = cal_max;
    nim->intent_code = intent_code;
    if (descrip != NULL) {
        strncpy(nim->descrip, descrip, 79);
        nim->descrip[79] = 0;
    }
    nim->nifti_type = NIFTI_FTYPE_NIFTI1_1;
    if (nifti_set_filenames(nim, path, 0, 1) != 0) {
        set_err(err, errlen, "nifti_clib rejected the output name (it must end in .nii or .nii.gz)");
        nifti_image_free(nim);
        return NIFTISHIM_ERR_WRITE;
    }
    nim->data = (void *)data;  // borrowed for the write; detached again before nifti_image_free
    nifti_image_write(nim);
    nim->data = NULL;
    nifti_image_free(nim);
    // nifti_image_write reports nothing; the caller reads the file back, this only catches a missing file.
    if (niftishim_file_size(path) <= 0) {
        set_err(err, errlen, "nothing was written (directory missing or not writable?)");
        return NIFTISHIM_ERR_WRITE;
    }
    return NIFTISHIM_OK;
}

void niftishim_affine_to_quatern(const double a[16], double quatern[3], double qoffset[3], double pixdim[3],
                                 double *qfac) {
    nifti_dmat44 m;
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) m.m[r][c] = a[r * 4 + c];
    nifti_dmat44_to_quatern(m, &quatern[0], &quatern[1], &quatern[2], &qoffset[0], &qoffset[1], &qoffset[2],
                            &pixdim[0], &pixdim[1], &pixdim[2], qfac);
}

_Static_assert(NIFTISHIM_DT_UINT8 == DT_UINT8 && NIFTISHIM_DT_FLOAT32 == DT_FLOAT32, "datatype codes");
_Static_assert(NIFTISHIM_INTENT_ESTIMATE == NIFTI_INTENT_ESTIMATE && NIFTISHIM_INTENT_LABEL == NIFTI_INTENT_LABEL,
               "intent codes");
_Static_assert(NIFTISHIM_UNITS_MM == NIFTI_UNITS_MM, "unit codes");
