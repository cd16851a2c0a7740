// DICOM reading through DCMTK, exposed as the C API in include/dcmbridge.h.
//
// Pixel decoding is done "directly": every frame is brought to its stored integer values
// (DCMTK's getUncompressedFrame for native, JPEG, JPEG-LS and RLE data; OpenJPEG for JPEG 2000,
// which open-source DCMTK cannot decode), then the frame's own rescale is applied here. Going
// through DicomImage would hide which rescale was used and cannot take per-frame values from
// the functional groups of enhanced multi-frame objects.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dccodec.h"
#include "dcmtk/dcmdata/dcpixseq.h"
#include "dcmtk/dcmdata/dcpxitem.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"
#include "dcmbridge.h"

#include <openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

namespace {

std::once_flag initOnce;

void setMessage(char *message, size_t size, const char *fmt, ...) {
    if (message == nullptr || size == 0) return;
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, size, fmt, args);
    va_end(args);
}

void copyString(char *dst, size_t size, const OFString &src) {
    if (size == 0) return;
    size_t n = std::min(size - 1, src.size());
    memcpy(dst, src.c_str(), n);
    dst[n] = 0;
}

/// All values of a string attribute joined by backslashes, trimmed; "" when absent.
void getString(DcmItem *item, const DcmTagKey &tag, char *dst, size_t size) {
    OFString value;
    if (item->findAndGetOFStringArray(tag, value).good()) copyString(dst, size, value);
    else if (size > 0) dst[0] = 0;
}

bool getInt(DcmItem *item, const DcmTagKey &tag, int &out) {
    Sint32 v = 0;
    if (item->findAndGetSint32(tag, v).good()) { out = (int)v; return true; }
    // IS values are strings; findAndGetSint32 handles them, but US/SS go through Uint16.
    Uint16 u = 0;
    if (item->findAndGetUint16(tag, u).good()) { out = (int)u; return true; }
    return false;
}

/// Reads `count` doubles of one attribute. findAndGetFloat64 zeroes its output on failure, so
/// values are collected into a scratch array and copied only when every one was present.
bool getDoubles(DcmItem *item, const DcmTagKey &tag, double *out, int count) {
    double tmp[8];
    for (int i = 0; i < count; i++) {
        if (item->findAndGetFloat64(tag, tmp[i], (unsigned long)i).bad()) return false;
        if (!std::isfinite(tmp[i])) return false;
    }
    for (int i = 0; i < count; i++) out[i] = tmp[i];
    return true;
}

/// First values of two attributes that only mean something together (slope and intercept,
/// center and width); the outputs change only when both are present.
bool getPair(DcmItem *item, const DcmTagKey &a, const DcmTagKey &b, double &outA, double &outB) {
    double va = 0, vb = 0;
    if (!getDoubles(item, a, &va, 1) || !getDoubles(item, b, &vb, 1)) return false;
    outA = va;
    outB = vb;
    return true;
}

/// The first item of a sequence inside `item`, or null.
DcmItem *firstItem(DcmItem *item, const DcmTagKey &seq) {
    if (item == nullptr) return nullptr;
    DcmItem *child = nullptr;
    if (item->findAndGetSequenceItem(seq, child, 0).good()) return child;
    return nullptr;
}

/// Loads a file; with `headerOnly` large values (pixel data) are left on disk.
int load(const char *path, DcmFileFormat &ff, bool headerOnly, char *message, size_t size) {
    dcmbridge_init();
    if (!dcmDataDict.isDictionaryLoaded()) {
        setMessage(message, size, "DCMTK data dictionary not loaded (install libdcmtk17 or set DCMDICTPATH)");
        return DCMBRIDGE_NO_DICTIONARY;
    }
    FILE *f = fopen(path, "rb");
    if (f == nullptr) {
        setMessage(message, size, "cannot open file: %s", strerror(errno));
        return DCMBRIDGE_UNREADABLE;
    }
    fclose(f);
    Uint32 maxRead = headerOnly ? 1024 : DCM_MaxReadLength;
    OFCondition cond = ff.loadFile(OFFilename(path), EXS_Unknown, EGL_noChange, maxRead, ERM_autoDetect);
    if (cond.bad()) {
        setMessage(message, size, "not readable as DICOM: %s", cond.text());
        return DCMBRIDGE_UNREADABLE;
    }
    DcmDataset *ds = ff.getDataset();
    if (ds == nullptr || ds->card() == 0) {
        setMessage(message, size, "not readable as DICOM: empty dataset");
        return DCMBRIDGE_UNREADABLE;
    }
    return DCMBRIDGE_OK;
}

/// Geometry of one frame from a shared and a per-frame functional group item (either may be
/// null), falling back to the dataset's top-level attributes.
void frameGeometry(DcmItem *ds, DcmItem *shared, DcmItem *perFrame, dcmbridge_frame_geometry &g) {
    memset(&g, 0, sizeof(g));
    // Top level first, then shared, then per-frame: each later source overrides.
    DcmItem *levels[3] = {ds, shared, perFrame};
    for (int level = 0; level < 3; level++) {
        DcmItem *src = levels[level];
        if (src == nullptr) continue;
        DcmItem *pos = level == 0 ? ds : firstItem(src, DCM_PlanePositionSequence);
        DcmItem *ori = level == 0 ? ds : firstItem(src, DCM_PlaneOrientationSequence);
        DcmItem *meas = level == 0 ? ds : firstItem(src, DCM_PixelMeasuresSequence);
        DcmItem *pvt = level == 0 ? ds : firstItem(src, DCM_PixelValueTransformationSequence);
        DcmItem *voi = level == 0 ? ds : firstItem(src, DCM_FrameVOILUTSequence);
        DcmItem *content = level == 0 ? nullptr : firstItem(src, DCM_FrameContentSequence);
        if (pos && getDoubles(pos, DCM_ImagePositionPatient, g.position, 3)) g.has_position = 1;
        if (ori && getDoubles(ori, DCM_ImageOrientationPatient, g.orientation, 6)) g.has_orientation = 1;
        if (meas && getDoubles(meas, DCM_PixelSpacing, g.pixel_spacing, 2)) g.has_pixel_spacing = 1;
        if (meas && getDoubles(meas, DCM_SliceThickness, &g.slice_thickness, 1)) g.has_slice_thickness = 1;
        if (pvt && getPair(pvt, DCM_RescaleSlope, DCM_RescaleIntercept, g.rescale_slope, g.rescale_intercept)) g.has_rescale = 1;
        if (voi && getPair(voi, DCM_WindowCenter, DCM_WindowWidth, g.window_center, g.window_width)) g.has_window = 1;
        if (content) {
            getString(content, DCM_StackID, g.stack_id, sizeof(g.stack_id));
            getInt(content, DCM_InStackPositionNumber, g.in_stack_position);
            getInt(content, DCM_TemporalPositionIndex, g.temporal_position);
        }
    }
}

/// Fills geometry for frames 0 ..< count.
int readGeometry(DcmDataset *ds, dcmbridge_frame_geometry *out, int count, char *message, size_t size) {
    DcmItem *shared = firstItem(ds, DCM_SharedFunctionalGroupsSequence);
    DcmSequenceOfItems *perFrameSeq = nullptr;
    if (ds->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrameSeq).bad()) perFrameSeq = nullptr;
    if (perFrameSeq != nullptr && (long)perFrameSeq->card() < count) {
        setMessage(message, size, "PerFrameFunctionalGroupsSequence has %lu items for %d frames",
                   (unsigned long)perFrameSeq->card(), count);
        return DCMBRIDGE_INVALID;
    }
    for (int i = 0; i < count; i++) {
        DcmItem *perFrame = perFrameSeq ? perFrameSeq->getItem((unsigned long)i) : nullptr;
        frameGeometry(ds, shared, perFrame, out[i]);
    }
    return DCMBRIDGE_OK;
}

// ---- JPEG 2000 through OpenJPEG -------------------------------------------------------------

struct MemoryStream {
    const Uint8 *data;
    size_t size;
    size_t pos;
};

OPJ_SIZE_T memRead(void *buffer, OPJ_SIZE_T n, void *user) {
    auto *s = static_cast<MemoryStream *>(user);
    if (s->pos >= s->size) return (OPJ_SIZE_T)-1;
    size_t k = std::min((size_t)n, s->size - s->pos);
    memcpy(buffer, s->data + s->pos, k);
    s->pos += k;
    return k;
}

OPJ_OFF_T memSkip(OPJ_OFF_T n, void *user) {
    auto *s = static_cast<MemoryStream *>(user);
    OPJ_OFF_T target = (OPJ_OFF_T)s->pos + n;
    if (target < 0) target = 0;
    if ((size_t)target > s->size) target = (OPJ_OFF_T)s->size;
    OPJ_OFF_T moved = target - (OPJ_OFF_T)s->pos;
    s->pos = (size_t)target;
    return moved;
}

OPJ_BOOL memSeek(OPJ_OFF_T n, void *user) {
    auto *s = static_cast<MemoryStream *>(user);
    if (n < 0 || (size_t)n > s->size) return OPJ_FALSE;
    s->pos = (size_t)n;
    return OPJ_TRUE;
}

void opjMessage(const char *msg, void *user) {
    auto *last = static_cast<std::string *>(user);
    *last = msg;
    while (!last->empty() && (last->back() == '\n' || last->back() == '\r')) last->pop_back();
}

void opjQuiet(const char *, void *) {}

/// Decodes one JPEG 2000 codestream (or JP2 file) holding one grey component into `values`.
int decodeJ2K(const std::vector<Uint8> &bytes, int rows, int cols, std::vector<Sint32> &values, bool &isSigned,
              int &precision, char *message, size_t size) {
    if (bytes.size() < 12) {
        setMessage(message, size, "JPEG 2000 frame is empty or too short (%zu bytes)", bytes.size());
        return DCMBRIDGE_DECODE_FAILED;
    }
    bool isJP2 = memcmp(bytes.data() + 4, "jP  ", 4) == 0;
    opj_codec_t *codec = opj_create_decompress(isJP2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    std::string lastError;
    opj_set_error_handler(codec, opjMessage, &lastError);
    opj_set_warning_handler(codec, opjQuiet, nullptr);
    opj_set_info_handler(codec, opjQuiet, nullptr);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    opj_setup_decoder(codec, &params);

    MemoryStream mem{bytes.data(), bytes.size(), 0};
    opj_stream_t *stream = opj_stream_create(1 << 16, OPJ_TRUE);
    opj_stream_set_user_data(stream, &mem, nullptr);
    opj_stream_set_user_data_length(stream, bytes.size());
    opj_stream_set_read_function(stream, memRead);
    opj_stream_set_skip_function(stream, memSkip);
    opj_stream_set_seek_function(stream, memSeek);

    opj_image_t *image = nullptr;
    int status = DCMBRIDGE_OK;
    if (!opj_read_header(stream, codec, &image)) {
        setMessage(message, size, "JPEG 2000 decoding failed: %s", lastError.empty() ? "unknown error" : lastError.c_str());
        status = DCMBRIDGE_DECODE_FAILED;
    } else if (image->numcomps != 1 || image->x1 - image->x0 != (OPJ_UINT32)cols || image->y1 - image->y0 != (OPJ_UINT32)rows) {
        // Checked before decoding: the codestream's own size decides what OpenJPEG allocates,
        // and only the header's size has been checked against the limits.
        setMessage(message, size, "JPEG 2000 codestream declares %u component(s) of %ux%u, header says 1 of %dx%d",
                   image->numcomps, image->x1 - image->x0, image->y1 - image->y0, cols, rows);
        status = image->numcomps != 1 ? DCMBRIDGE_UNSUPPORTED : DCMBRIDGE_INVALID;
    } else if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) {
        setMessage(message, size, "JPEG 2000 decoding failed: %s", lastError.empty() ? "unknown error" : lastError.c_str());
        status = DCMBRIDGE_DECODE_FAILED;
    } else if (image->numcomps != 1) {
        setMessage(message, size, "JPEG 2000 frame has %u components; only grey images are decoded", image->numcomps);
        status = DCMBRIDGE_UNSUPPORTED;
    } else if ((int)image->comps[0].w != cols || (int)image->comps[0].h != rows || image->comps[0].data == nullptr) {
        setMessage(message, size, "JPEG 2000 frame is %ux%u, header says %dx%d", image->comps[0].w, image->comps[0].h,
                   cols, rows);
        status = DCMBRIDGE_INVALID;
    } else {
        const opj_image_comp_t &c = image->comps[0];
        values.assign(c.data, c.data + (size_t)rows * (size_t)cols);
        isSigned = c.sgnd != 0;
        precision = (int)c.prec;
    }
    if (image) opj_image_destroy(image);
    opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    return status;
}

/// Splits the encapsulated fragments into one byte string per frame: by the Basic Offset
/// Table when present, one fragment per frame when the counts match, otherwise by the
/// JPEG 2000 start-of-codestream marker at the beginning of a fragment.
int frameStreams(DcmPixelSequence *seq, int frames, std::vector<std::vector<Uint8>> &out, char *message, size_t size) {
    unsigned long n = seq->card();
    if (n < 2) {
        setMessage(message, size, "encapsulated pixel data has no fragments");
        return DCMBRIDGE_INVALID;
    }
    struct Fragment { const Uint8 *data; Uint32 length; };
    std::vector<Fragment> frags;
    for (unsigned long i = 1; i < n; i++) {
        DcmPixelItem *item = nullptr;
        Uint8 *data = nullptr;
        if (seq->getItem(item, i).bad() || item->getUint8Array(data).bad() || data == nullptr) {
            setMessage(message, size, "cannot read pixel data fragment %lu", i);
            return DCMBRIDGE_DECODE_FAILED;
        }
        frags.push_back({data, item->getLength()});
    }
    std::vector<std::vector<size_t>> groups;
    DcmPixelItem *bot = nullptr;
    Uint8 *botData = nullptr;
    Uint32 botLength = 0;
    if (seq->getItem(bot, 0).good()) {
        botLength = bot->getLength();
        if (botLength > 0 && bot->getUint8Array(botData).bad()) botData = nullptr;
    }
    if (frames == 1) {
        groups.push_back({});
        for (size_t i = 0; i < frags.size(); i++) groups[0].push_back(i);
    } else if (botData != nullptr && botLength == 4u * (Uint32)frames) {
        // Offsets count bytes from the first fragment's item tag; each item adds 8 header bytes.
        std::vector<Uint32> offsets(frames);
        for (int f = 0; f < frames; f++) {
            const Uint8 *p = botData + 4 * f;
            offsets[f] = (Uint32)p[0] | ((Uint32)p[1] << 8) | ((Uint32)p[2] << 16) | ((Uint32)p[3] << 24);
        }
        groups.assign(frames, {});
        Uint64 start = 0;
        for (size_t i = 0; i < frags.size(); i++) {
            int f = frames - 1;
            while (f > 0 && offsets[f] > start) f--;
            groups[f].push_back(i);
            start += 8 + (Uint64)frags[i].length;
        }
    } else if ((int)frags.size() == frames) {
        for (size_t i = 0; i < frags.size(); i++) groups.push_back({i});
    } else {
        for (size_t i = 0; i < frags.size(); i++) {
            bool soc = frags[i].length >= 2 && frags[i].data[0] == 0xFF && frags[i].data[1] == 0x4F;
            if (soc || groups.empty()) groups.push_back({});
            groups.back().push_back(i);
        }
    }
    if ((int)groups.size() != frames) {
        setMessage(message, size, "found %zu JPEG 2000 frames in the pixel data, header says %d", groups.size(), frames);
        return DCMBRIDGE_INVALID;
    }
    out.assign(frames, {});
    for (int f = 0; f < frames; f++) {
        for (size_t i : groups[f]) out[f].insert(out[f].end(), frags[i].data, frags[i].data + frags[i].length);
    }
    return DCMBRIDGE_OK;
}

/// Stored value of one sample from its allocated bits: shift down by the unused low bits, keep
/// BitsStored bits, sign-extend when PixelRepresentation is 1.
inline Sint32 storedValue(Uint32 raw, int shift, Uint32 mask, Uint32 signBit, bool isSigned) {
    Uint32 v = (raw >> shift) & mask;
    if (isSigned && (v & signBit)) return (Sint32)(v | ~mask);
    return (Sint32)v;
}

}  // namespace

extern "C" int dcmbridge_init(void) {
    std::call_once(initOnce, [] {
        // The bridge reports every failure through its status and message; DCMTK's own console
        // logging would only duplicate that (and could echo attribute values).
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
        DcmRLEDecoderRegistration::registerCodecs();
    });
    return dcmDataDict.isDictionaryLoaded() ? 1 : 0;
}

extern "C" int dcmbridge_read_header(const char *path, int flags, dcmbridge_header *out, char *message,
                                     size_t message_size) {
    if (path == nullptr || out == nullptr) return DCMBRIDGE_BAD_ARGUMENT;
    memset(out, 0, sizeof(*out));
    DcmFileFormat ff;
    int status = load(path, ff, true, message, message_size);
    if (status != DCMBRIDGE_OK) return status;
    DcmDataset *ds = ff.getDataset();
    DcmMetaInfo *meta = ff.getMetaInfo();
    // Names and descriptions may use other character sets; failure leaves the raw bytes.
    (void)ds->convertToUTF8();

    getString(ds, DCM_SOPClassUID, out->sop_class_uid, sizeof(out->sop_class_uid));
    if (out->sop_class_uid[0] == 0 && meta) getString(meta, DCM_MediaStorageSOPClassUID, out->sop_class_uid, sizeof(out->sop_class_uid));
    getString(ds, DCM_SOPInstanceUID, out->sop_instance_uid, sizeof(out->sop_instance_uid));
    getString(ds, DCM_StudyInstanceUID, out->study_instance_uid, sizeof(out->study_instance_uid));
    getString(ds, DCM_SeriesInstanceUID, out->series_instance_uid, sizeof(out->series_instance_uid));
    getString(ds, DCM_FrameOfReferenceUID, out->frame_of_reference_uid, sizeof(out->frame_of_reference_uid));
    getString(ds, DCM_Modality, out->modality, sizeof(out->modality));
    getString(ds, DCM_SeriesDescription, out->series_description, sizeof(out->series_description));
    getString(ds, DCM_ImageType, out->image_type, sizeof(out->image_type));
    getString(ds, DCM_PhotometricInterpretation, out->photometric_interpretation, sizeof(out->photometric_interpretation));
    copyString(out->transfer_syntax_uid, sizeof(out->transfer_syntax_uid), DcmXfer(ds->getOriginalXfer()).getXferID());
    if (meta) {
        OFString ts;
        if (meta->findAndGetOFString(DCM_TransferSyntaxUID, ts).good() && !ts.empty())
            copyString(out->transfer_syntax_uid, sizeof(out->transfer_syntax_uid), ts);
    }
    if (flags & DCMBRIDGE_WITH_PATIENT) {
        getString(ds, DCM_PatientName, out->patient_name, sizeof(out->patient_name));
        getString(ds, DCM_PatientID, out->patient_id, sizeof(out->patient_id));
    }
    out->has_series_number = getInt(ds, DCM_SeriesNumber, out->series_number) ? 1 : 0;
    out->has_instance_number = getInt(ds, DCM_InstanceNumber, out->instance_number) ? 1 : 0;
    getInt(ds, DCM_Rows, out->rows);
    getInt(ds, DCM_Columns, out->columns);
    if (!getInt(ds, DCM_NumberOfFrames, out->frames) || out->frames < 1) out->frames = 1;
    getInt(ds, DCM_BitsAllocated, out->bits_allocated);
    getInt(ds, DCM_BitsStored, out->bits_stored);
    getInt(ds, DCM_HighBit, out->high_bit);
    getInt(ds, DCM_PixelRepresentation, out->pixel_representation);
    if (!getInt(ds, DCM_SamplesPerPixel, out->samples_per_pixel)) out->samples_per_pixel = 1;
    out->has_pixel_data = (ds->tagExists(DCM_PixelData) || ds->tagExists(DCM_FloatPixelData) ||
                           ds->tagExists(DCM_DoubleFloatPixelData)) ? 1 : 0;
    out->has_modality_lut = ds->tagExists(DCM_ModalityLUTSequence) ? 1 : 0;
    out->has_functional_groups = (ds->tagExists(DCM_SharedFunctionalGroupsSequence) ||
                                  ds->tagExists(DCM_PerFrameFunctionalGroupsSequence)) ? 1 : 0;

    frameGeometry(ds, nullptr, nullptr, out->top_level);
    out->has_imager_pixel_spacing = getDoubles(ds, DCM_ImagerPixelSpacing, out->imager_pixel_spacing, 2) ? 1 : 0;
    return DCMBRIDGE_OK;
}

extern "C" int dcmbridge_read_frame_geometry(const char *path, dcmbridge_frame_geometry *out, int count,
                                             char *message, size_t message_size) {
    if (path == nullptr || out == nullptr || count < 0) return DCMBRIDGE_BAD_ARGUMENT;
    DcmFileFormat ff;
    int status = load(path, ff, true, message, message_size);
    if (status != DCMBRIDGE_OK) return status;
    DcmDataset *ds = ff.getDataset();
    int frames = 1;
    if (!getInt(ds, DCM_NumberOfFrames, frames) || frames < 1) frames = 1;
    if (count > frames) {
        setMessage(message, message_size, "asked for %d frames, the object has %d", count, frames);
        return DCMBRIDGE_BAD_ARGUMENT;
    }
    return readGeometry(ds, out, count, message, message_size);
}

extern "C" int dcmbridge_read_frames_f32(const char *path, int first, int count, float *out, size_t capacity,
                                         dcmbridge_pixel_info *info, char *message, size_t message_size) {
    if (path == nullptr || out == nullptr || info == nullptr || first < 0 || count < 1) return DCMBRIDGE_BAD_ARGUMENT;
    memset(info, 0, sizeof(*info));
    DcmFileFormat ff;
    int status = load(path, ff, false, message, message_size);
    if (status != DCMBRIDGE_OK) return status;
    DcmDataset *ds = ff.getDataset();

    int rows = 0, cols = 0, frames = 1, bitsAllocated = 0, bitsStored = 0, highBit = -1, pixelRep = 0, spp = 1;
    getInt(ds, DCM_Rows, rows);
    getInt(ds, DCM_Columns, cols);
    if (!getInt(ds, DCM_NumberOfFrames, frames) || frames < 1) frames = 1;
    getInt(ds, DCM_BitsAllocated, bitsAllocated);
    getInt(ds, DCM_BitsStored, bitsStored);
    if (!getInt(ds, DCM_HighBit, highBit)) highBit = bitsStored - 1;
    getInt(ds, DCM_PixelRepresentation, pixelRep);
    if (!getInt(ds, DCM_SamplesPerPixel, spp)) spp = 1;
    OFString photometric;
    ds->findAndGetOFString(DCM_PhotometricInterpretation, photometric);

    if (!ds->tagExists(DCM_PixelData)) {
        if (ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData)) {
            setMessage(message, message_size, "float pixel data is not supported");
            return DCMBRIDGE_UNSUPPORTED;
        }
        setMessage(message, message_size, "no Pixel Data element");
        return DCMBRIDGE_NO_PIXEL_DATA;
    }
    if (rows <= 0 || cols <= 0) {
        setMessage(message, message_size, "invalid Rows/Columns %d x %d", rows, cols);
        return DCMBRIDGE_INVALID;
    }
    if (spp != 1 || (photometric != "MONOCHROME1" && photometric != "MONOCHROME2")) {
        setMessage(message, message_size, "only grey images are decoded (SamplesPerPixel %d, PhotometricInterpretation %s)",
                   spp, photometric.c_str());
        return DCMBRIDGE_UNSUPPORTED;
    }
    if ((bitsAllocated != 8 && bitsAllocated != 16 && bitsAllocated != 32) || bitsStored < 1 ||
        bitsStored > bitsAllocated || highBit < bitsStored - 1 || highBit >= bitsAllocated) {
        setMessage(message, message_size, "unsupported bit layout: BitsAllocated %d, BitsStored %d, HighBit %d",
                   bitsAllocated, bitsStored, highBit);
        return DCMBRIDGE_UNSUPPORTED;
    }
    if (ds->tagExists(DCM_ModalityLUTSequence)) {
        setMessage(message, message_size, "Modality LUT Sequence is not supported (only linear rescale)");
        return DCMBRIDGE_UNSUPPORTED;
    }
    if (first + count > frames) {
        setMessage(message, message_size, "frames %d..<%d requested, the object has %d", first, first + count, frames);
        return DCMBRIDGE_BAD_ARGUMENT;
    }
    size_t frameValues = (size_t)rows * (size_t)cols;
    if (capacity < frameValues * (size_t)count) {
        setMessage(message, message_size, "output buffer holds %zu values, %zu needed", capacity, frameValues * (size_t)count);
        return DCMBRIDGE_BAD_ARGUMENT;
    }

    std::vector<dcmbridge_frame_geometry> geometry(frames);
    status = readGeometry(ds, geometry.data(), frames, message, message_size);
    if (status != DCMBRIDGE_OK) return status;

    DcmElement *element = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, element).bad() || element == nullptr) {
        setMessage(message, message_size, "no Pixel Data element");
        return DCMBRIDGE_NO_PIXEL_DATA;
    }
    DcmPixelData *pixelData = OFstatic_cast(DcmPixelData *, element);
    E_TransferSyntax xfer = ds->getOriginalXfer();
    bool isJ2K = xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000;

    const int shift = highBit + 1 - bitsStored;
    const Uint32 mask = bitsStored >= 32 ? 0xFFFFFFFFu : ((1u << bitsStored) - 1u);
    const Uint32 signBit = 1u << (bitsStored - 1);
    // Stored range, used to invert MONOCHROME1 within the range the bits can hold.
    const double storedMin = pixelRep ? -std::ldexp(1.0, bitsStored - 1) : 0.0;
    const double storedMax = pixelRep ? std::ldexp(1.0, bitsStored - 1) - 1.0 : std::ldexp(1.0, bitsStored) - 1.0;
    const bool invert = photometric == "MONOCHROME1";

    std::vector<std::vector<Uint8>> j2kFrames;
    if (isJ2K) {
        DcmPixelSequence *seq = nullptr;
        if (pixelData->getEncapsulatedRepresentation(xfer, nullptr, seq).bad() || seq == nullptr) {
            setMessage(message, message_size, "JPEG 2000 pixel data is not encapsulated");
            return DCMBRIDGE_INVALID;
        }
        status = frameStreams(seq, frames, j2kFrames, message, message_size);
        if (status != DCMBRIDGE_OK) return status;
    }

    DcmXfer xferInfo(xfer);
    if (!isJ2K && xferInfo.isEncapsulated() && !DcmCodecList::canChangeCoding(xfer, EXS_LittleEndianExplicit)) {
        setMessage(message, message_size, "no decoder for transfer syntax %s (%s)", xferInfo.getXferID(), xferInfo.getXferName());
        return DCMBRIDGE_UNSUPPORTED;
    }
    Uint32 frameBytes = 0;
    if (!isJ2K && pixelData->getUncompressedFrameSize(ds, frameBytes).bad()) {
        setMessage(message, message_size, "cannot compute the frame size");
        return DCMBRIDGE_INVALID;
    }
    // DCMTK wants room for a pad byte when the frame size is odd.
    const Uint32 bufferBytes = frameBytes + (frameBytes & 1u);
    std::vector<Uint8> buffer(isJ2K ? 0 : (size_t)bufferBytes);
    std::vector<Sint32> stored(frameValues);
    Uint32 startFragment = 0;
    float lo = std::numeric_limits<float>::infinity(), hi = -std::numeric_limits<float>::infinity();

    for (int k = 0; k < count; k++) {
        int f = first + k;
        if (isJ2K) {
            std::vector<Sint32> values;
            bool j2kSigned = false;
            int precision = 0;
            status = decodeJ2K(j2kFrames[f], rows, cols, values, j2kSigned, precision, message, message_size);
            if (status != DCMBRIDGE_OK) return status;
            bool wantSigned = pixelRep == 1;
            if (j2kSigned != wantSigned) {
                // The codestream's signedness disagrees with the header (seen in the wild). The
                // stored bits are what the modality wrote, so reinterpret them per PixelRepresentation.
                info->j2k_sign_mismatch = 1;
                for (size_t i = 0; i < frameValues; i++) stored[i] = storedValue((Uint32)values[i], 0, mask, signBit, wantSigned);
            } else {
                for (size_t i = 0; i < frameValues; i++) stored[i] = values[i];
            }
        } else {
            OFString colorModel;
            // Random access into encapsulated data needs the fragment index; restart per call
            // when frames are skipped.
            if (k == 0) startFragment = 0;
            OFCondition cond = pixelData->getUncompressedFrame(ds, (Uint32)f, startFragment, buffer.data(), bufferBytes,
                                                               colorModel, nullptr);
            if (cond.bad()) {
                setMessage(message, message_size, "decoding frame %d failed (%s): %s", f, xferInfo.getXferName(),
                           cond.text());
                return DCMBRIDGE_DECODE_FAILED;
            }
            if ((size_t)frameBytes < frameValues * (size_t)(bitsAllocated / 8)) {
                setMessage(message, message_size, "frame %d holds %u bytes, %zu needed", f, frameBytes,
                           frameValues * (size_t)(bitsAllocated / 8));
                return DCMBRIDGE_INVALID;
            }
            const Uint8 *p = buffer.data();
            bool isSigned = pixelRep == 1;
            if (bitsAllocated == 8) {
                for (size_t i = 0; i < frameValues; i++) stored[i] = storedValue(p[i], shift, mask, signBit, isSigned);
            } else if (bitsAllocated == 16) {
                const Uint16 *q = reinterpret_cast<const Uint16 *>(p);
                for (size_t i = 0; i < frameValues; i++) stored[i] = storedValue(q[i], shift, mask, signBit, isSigned);
            } else {
                const Uint32 *q = reinterpret_cast<const Uint32 *>(p);
                for (size_t i = 0; i < frameValues; i++) stored[i] = storedValue(q[i], shift, mask, signBit, isSigned);
            }
        }
        const dcmbridge_frame_geometry &g = geometry[f];
        double slope = g.has_rescale ? g.rescale_slope : 1.0;
        double intercept = g.has_rescale ? g.rescale_intercept : 0.0;
        if (g.has_rescale) info->rescaled = 1;
        if (invert) info->inverted = 1;
        float *dst = out + (size_t)k * frameValues;
        for (size_t i = 0; i < frameValues; i++) {
            double s = stored[i];
            if (invert) s = storedMin + storedMax - s;
            float v = (float)(s * slope + intercept);
            dst[i] = v;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    info->min_value = lo;
    info->max_value = hi;
    return DCMBRIDGE_OK;
}
