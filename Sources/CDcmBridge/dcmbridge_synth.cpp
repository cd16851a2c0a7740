// Writer for a synthetic Breast Tomosynthesis Image behind the C API of dcmbridge_synth.h.
//
// The attributes follow the Breast Tomosynthesis Image IOD (PS3.3 A.55) with its Enhanced-style
// functional groups, as far as dciodvfy checks them. The dataset is built attribute by attribute
// (not through dcmfg) so that every module the IOD names is visible in one place.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/oflog/oflog.h"

#include "dcmbridge_synth.h"

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unistd.h>

namespace {

const char *kBreastTomosynthesisClass = "1.2.840.10008.5.1.4.1.1.13.1.3";

int fail(dcmw_status *st, int code, const std::string &path, const char *fmt, ...) {
    if (st) {
        st->code = code;
        std::snprintf(st->path, sizeof st->path, "%s", path.c_str());
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(st->message, sizeof st->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

int ok(dcmw_status *st) {
    if (st) {
        st->code = DCMW_OK;
        st->path[0] = 0;
        st->message[0] = 0;
    }
    return DCMW_OK;
}

void quietLogging() {
    static std::once_flag once;
    std::call_once(once, [] {
        OFLog::configure(std::getenv("MEDVMAD_DCMTK_LOG") ? OFLogger::DEBUG_LOG_LEVEL : OFLogger::FATAL_LOG_LEVEL);
    });
}

// Decimal String values are at most 16 characters: the most precision that fits.
std::string ds(double v) {
    char buf[64];
    for (int prec = 12; prec >= 1; --prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strlen(buf) <= 16) break;
    }
    if (std::strcmp(buf, "-0") == 0) return "0";
    return buf;
}

std::string dsList(const double *v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (i) s += "\\";
        s += ds(v[i]);
    }
    return s;
}

// Collects the first failure of a chain of puts, so the builder reads as a list of attributes.
struct Builder {
    OFCondition first = EC_Normal;
    std::string what;

    void note(OFCondition c, const DcmTagKey &tag) {
        if (first.good() && c.bad()) {
            first = c;
            what = DcmTag(tag).getTagName();
        }
    }
    void put(DcmItem *item, const DcmTagKey &tag, const std::string &value) {
        note(item->putAndInsertOFStringArray(tag, value.c_str()), tag);
    }
    void put16(DcmItem *item, const DcmTagKey &tag, Uint16 value) { note(item->putAndInsertUint16(tag, value), tag); }
    void putF64(DcmItem *item, const DcmTagKey &tag, Float64 value) { note(item->putAndInsertFloat64(tag, value), tag); }
    void empty(DcmItem *item, const DcmTagKey &tag) { note(item->insertEmptyElement(tag), tag); }
    DcmItem *item(DcmItem *parent, const DcmTagKey &seq, long index = -2) {
        DcmItem *child = nullptr;
        OFCondition c = parent->findOrCreateSequenceItem(seq, child, index);
        note(c, seq);
        return c.good() ? child : nullptr;
    }
    void code(DcmItem *parent, const DcmTagKey &seq, const char *value, const char *scheme, const char *meaning) {
        DcmItem *c = item(parent, seq);
        if (!c) return;
        put(c, DCM_CodeValue, value);
        put(c, DCM_CodingSchemeDesignator, scheme);
        put(c, DCM_CodeMeaning, meaning);
    }
};

std::string temporaryPath(const std::string &out) {
    size_t slash = out.find_last_of('/');
    std::string dir = slash == std::string::npos ? "" : out.substr(0, slash + 1);
    std::string name = slash == std::string::npos ? out : out.substr(slash + 1);
    char suffix[64];
    std::snprintf(suffix, sizeof suffix, ".tmp-%ld", static_cast<long>(getpid()));
    return dir + "." + name + suffix;
}

int validate(const dcms_dbt_volume *v, const std::string &out, dcmw_status *st) {
    if (!v || !v->pixels || !v->positions) return fail(st, DCMW_INVALID_INPUT, out, "no pixels or positions");
    if (v->rows < 1 || v->cols < 1 || v->frames < 1 || v->rows > 65535 || v->cols > 65535)
        return fail(st, DCMW_INVALID_INPUT, out, "invalid size %dx%d, %d frames", v->rows, v->cols, v->frames);
    if (v->bits_stored < 8 || v->bits_stored > 16)
        return fail(st, DCMW_INVALID_INPUT, out, "bits stored %d outside 8..16", v->bits_stored);
    if (!(v->pixel_spacing[0] > 0) || !(v->pixel_spacing[1] > 0) || !(v->slice_thickness > 0))
        return fail(st, DCMW_INVALID_INPUT, out, "pixel spacing and slice thickness must be positive");
    const char *strings[] = {v->study_instance_uid, v->series_instance_uid, v->sop_instance_uid,
                             v->frame_of_reference_uid, v->dimension_organization_uid,
                             v->patient_name, v->patient_id, v->study_id, v->accession_number, v->date, v->time,
                             v->series_description, v->image_comments, v->laterality, v->view_position,
                             v->manufacturer, v->model_name, v->device_serial_number, v->software_versions};
    for (const char *s : strings)
        if (!s) return fail(st, DCMW_INVALID_INPUT, out, "a text attribute is NULL");
    const size_t n = static_cast<size_t>(v->rows) * v->cols * v->frames;
    const unsigned limit = 1u << v->bits_stored;
    for (size_t i = 0; i < n; ++i)
        if (v->pixels[i] >= limit)
            return fail(st, DCMW_INVALID_INPUT, out, "sample %zu is %u, above %d bits", i, v->pixels[i], v->bits_stored);
    return DCMW_OK;
}

void patientStudySeries(Builder &b, DcmDataset *d, const dcms_dbt_volume *v) {
    // SOP Common
    b.put(d, DCM_SpecificCharacterSet, "ISO_IR 100");
    b.put(d, DCM_SOPClassUID, kBreastTomosynthesisClass);
    b.put(d, DCM_SOPInstanceUID, v->sop_instance_uid);
    b.put(d, DCM_InstanceCreationDate, v->date);
    b.put(d, DCM_InstanceCreationTime, v->time);
    // Patient
    b.put(d, DCM_PatientName, v->patient_name);
    b.put(d, DCM_PatientID, v->patient_id);
    b.empty(d, DCM_PatientBirthDate);
    b.put(d, DCM_PatientSex, "F");
    // General Study
    b.put(d, DCM_StudyInstanceUID, v->study_instance_uid);
    b.put(d, DCM_StudyDate, v->date);
    b.put(d, DCM_StudyTime, v->time);
    b.empty(d, DCM_ReferringPhysicianName);
    b.put(d, DCM_StudyID, v->study_id);
    b.put(d, DCM_AccessionNumber, v->accession_number);
    b.put(d, DCM_StudyDescription, "Synthetic breast tomosynthesis phantom");
    // General Series + Enhanced Mammography Series
    b.put(d, DCM_Modality, "MG");
    b.put(d, DCM_SeriesInstanceUID, v->series_instance_uid);
    b.put(d, DCM_SeriesNumber, "1");
    b.put(d, DCM_SeriesDate, v->date);
    b.put(d, DCM_SeriesTime, v->time);
    b.put(d, DCM_SeriesDescription, v->series_description);
    // Frame of Reference
    b.put(d, DCM_FrameOfReferenceUID, v->frame_of_reference_uid);
    b.empty(d, DCM_PositionReferenceIndicator);
    // General + Enhanced General Equipment
    b.put(d, DCM_Manufacturer, v->manufacturer);
    b.put(d, DCM_ManufacturerModelName, v->model_name);
    b.put(d, DCM_DeviceSerialNumber, v->device_serial_number);
    b.put(d, DCM_SoftwareVersions, v->software_versions);
}

// Image Type / Frame Type and the CT/MR-style image description the X-Ray 3D Image module shares.
void frameDescription(Builder &b, DcmItem *item, const DcmTagKey &typeTag) {
    b.put(item, typeTag, "DERIVED\\PRIMARY\\TOMOSYNTHESIS\\NONE");
    b.put(item, DCM_PixelPresentation, "MONOCHROME");
    b.put(item, DCM_VolumetricProperties, "VOLUME");
    b.put(item, DCM_VolumeBasedCalculationTechnique, "NONE");
}

void imageModules(Builder &b, DcmDataset *d, const dcms_dbt_volume *v) {
    // X-Ray 3D Image: a reconstruction made by a program, so DERIVED, labelled as such.
    frameDescription(b, d, DCM_ImageType);
    b.put(d, DCM_InstanceNumber, "1");
    b.put(d, DCM_ContentDate, v->date);
    b.put(d, DCM_ContentTime, v->time);
    b.put(d, DCM_ContentQualification, "RESEARCH");
    b.put(d, DCM_ImageComments, v->image_comments);
    b.put(d, DCM_BurnedInAnnotation, "NO");
    b.put(d, DCM_RecognizableVisualFeatures, "NO");
    b.put(d, DCM_LossyImageCompression, "00");
    b.put(d, DCM_PresentationLUTShape, "IDENTITY");
    // Image Pixel
    b.put16(d, DCM_SamplesPerPixel, 1);
    b.put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    b.put16(d, DCM_Rows, static_cast<Uint16>(v->rows));
    b.put16(d, DCM_Columns, static_cast<Uint16>(v->cols));
    b.put16(d, DCM_BitsAllocated, 16);
    b.put16(d, DCM_BitsStored, static_cast<Uint16>(v->bits_stored));
    b.put16(d, DCM_HighBit, static_cast<Uint16>(v->bits_stored - 1));
    b.put16(d, DCM_PixelRepresentation, 0);
    b.put(d, DCM_NumberOfFrames, std::to_string(v->frames));
    // Breast View
    if (std::string(v->view_position) == "CC") {
        b.code(d, DCM_ViewCodeSequence, "399162004", "SCT", "cranio-caudal");
    } else {
        b.code(d, DCM_ViewCodeSequence, "399368009", "SCT", "medio-lateral oblique");
    }
    if (DcmItem *view = b.item(d, DCM_ViewCodeSequence, 0)) b.empty(view, DCM_ViewModifierCodeSequence);
    b.put(d, DCM_BreastImplantPresent, "NO");
    b.put(d, DCM_PartialView, "NO");
    // Acquisition Context: nothing to report for a phantom.
    b.empty(d, DCM_AcquisitionContextSequence);
    // X-Ray 3D reconstruction facts a reader can use.
    b.put(d, DCM_BodyPartExamined, "BREAST");
}

void dimensions(Builder &b, DcmDataset *d, const dcms_dbt_volume *v) {
    if (DcmItem *org = b.item(d, DCM_DimensionOrganizationSequence))
        b.put(org, DCM_DimensionOrganizationUID, v->dimension_organization_uid);
    b.put(d, DCM_DimensionOrganizationType, "3D");
    const DcmTagKey pointers[2] = {DCM_StackID, DCM_InStackPositionNumber};
    const char *labels[2] = {"Stack ID", "In-Stack Position Number"};
    for (int i = 0; i < 2; ++i) {
        DcmItem *idx = b.item(d, DCM_DimensionIndexSequence, i);
        if (!idx) return;
        b.put(idx, DCM_DimensionOrganizationUID, v->dimension_organization_uid);
        b.note(idx->putAndInsertTagKey(DCM_DimensionIndexPointer, pointers[i]), DCM_DimensionIndexPointer);
        b.note(idx->putAndInsertTagKey(DCM_FunctionalGroupPointer, DCM_FrameContentSequence), DCM_FunctionalGroupPointer);
        b.put(idx, DCM_DimensionDescriptionLabel, labels[i]);
    }
}

void functionalGroups(Builder &b, DcmDataset *d, const dcms_dbt_volume *v) {
    DcmItem *shared = b.item(d, DCM_SharedFunctionalGroupsSequence);
    if (!shared) return;
    if (DcmItem *m = b.item(shared, DCM_PixelMeasuresSequence)) {
        b.put(m, DCM_PixelSpacing, dsList(v->pixel_spacing, 2));
        b.put(m, DCM_SliceThickness, ds(v->slice_thickness));
    }
    if (DcmItem *o = b.item(shared, DCM_PlaneOrientationSequence))
        b.put(o, DCM_ImageOrientationPatient, dsList(v->orientation, 6));
    if (DcmItem *a = b.item(shared, DCM_FrameAnatomySequence)) {
        b.code(a, DCM_AnatomicRegionSequence, "76752008", "SCT", "Breast");
        b.put(a, DCM_FrameLaterality, v->laterality);
    }
    if (DcmItem *t = b.item(shared, DCM_PixelValueTransformationSequence)) {
        b.put(t, DCM_RescaleIntercept, "0");
        b.put(t, DCM_RescaleSlope, "1");
        b.put(t, DCM_RescaleType, "US");
    }
    if (DcmItem *w = b.item(shared, DCM_FrameVOILUTSequence)) {
        b.put(w, DCM_WindowCenter, ds(v->window_center));
        b.put(w, DCM_WindowWidth, ds(v->window_width));
    }

    const std::string acquired = std::string(v->date) + v->time;
    for (int k = 0; k < v->frames; ++k) {
        DcmItem *frame = b.item(d, DCM_PerFrameFunctionalGroupsSequence, k);
        if (!frame) return;
        if (DcmItem *t = b.item(frame, DCM_XRay3DFrameTypeSequence)) frameDescription(b, t, DCM_FrameType);
        if (DcmItem *p = b.item(frame, DCM_PlanePositionSequence))
            b.put(p, DCM_ImagePositionPatient, dsList(v->positions + 3 * k, 3));
        if (DcmItem *c = b.item(frame, DCM_FrameContentSequence)) {
            b.put(c, DCM_FrameAcquisitionDateTime, acquired);
            b.put(c, DCM_FrameReferenceDateTime, acquired);
            b.putF64(c, DCM_FrameAcquisitionDuration, 1);
            b.put(c, DCM_StackID, "1");
            b.note(c->putAndInsertUint32(DCM_InStackPositionNumber, static_cast<Uint32>(k + 1)), DCM_InStackPositionNumber);
            const Uint32 index[2] = {1, static_cast<Uint32>(k + 1)};
            b.note(c->putAndInsertUint32Array(DCM_DimensionIndexValues, index, 2), DCM_DimensionIndexValues);
        }
    }
}

int verifyWritten(const std::string &tmp, const std::string &out, const dcms_dbt_volume *v, dcmw_status *st) {
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(tmp.c_str());
    if (c.bad()) return fail(st, DCMW_READBACK_FAILED, out, "written file does not load: %s", c.text());
    DcmDataset *d = ff.getDataset();
    OFString cls;
    d->findAndGetOFString(DCM_SOPClassUID, cls);
    if (cls != kBreastTomosynthesisClass)
        return fail(st, DCMW_READBACK_FAILED, out, "SOP class reads back as '%s'", cls.c_str());
    Uint16 rows = 0, cols = 0;
    Sint32 frames = 0;
    d->findAndGetUint16(DCM_Rows, rows);
    d->findAndGetUint16(DCM_Columns, cols);
    d->findAndGetSint32(DCM_NumberOfFrames, frames);
    if (rows != v->rows || cols != v->cols || frames != v->frames)
        return fail(st, DCMW_READBACK_FAILED, out, "reads back as %ux%u with %d frames", rows, cols, frames);
    DcmSequenceOfItems *perFrame = nullptr;
    if (d->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).bad() || !perFrame ||
        perFrame->card() != static_cast<unsigned long>(v->frames))
        return fail(st, DCMW_READBACK_FAILED, out, "per-frame functional groups do not read back, one per frame");
    const Uint16 *px = nullptr;
    unsigned long count = 0;
    if (d->findAndGetUint16Array(DCM_PixelData, px, &count).bad() || !px)
        return fail(st, DCMW_READBACK_FAILED, out, "no PixelData in the written file");
    const unsigned long need = static_cast<unsigned long>(v->rows) * v->cols * v->frames;
    if (count != need) return fail(st, DCMW_READBACK_FAILED, out, "PixelData holds %lu samples, %lu written", count, need);
    if (std::memcmp(px, v->pixels, need * sizeof(Uint16)) != 0)
        return fail(st, DCMW_READBACK_FAILED, out, "PixelData reads back different from what was written");
    return DCMW_OK;
}

} // namespace

extern "C" int dcms_write_breast_tomosynthesis(const char *output_path, const dcms_dbt_volume *v, dcmw_status *st) {
    quietLogging();
    const std::string out = output_path ? output_path : "";
    if (out.empty()) return fail(st, DCMW_INVALID_INPUT, out, "no output path");
    if (!dcmDataDict.isDictionaryLoaded())
        return fail(st, DCMW_BUILD_FAILED, out, "DICOM data dictionary not loaded (install libdcmtk17 or set DCMDICTPATH)");
    if (int rc = validate(v, out, st)) return rc;

    DcmFileFormat ff;
    DcmDataset *d = ff.getDataset();
    Builder b;
    patientStudySeries(b, d, v);
    imageModules(b, d, v);
    dimensions(b, d, v);
    functionalGroups(b, d, v);
    const unsigned long samples = static_cast<unsigned long>(v->rows) * v->cols * v->frames;
    b.note(d->putAndInsertUint16Array(DCM_PixelData, v->pixels, samples), DCM_PixelData);
    if (b.first.bad())
        return fail(st, DCMW_BUILD_FAILED, out, "cannot set %s: %s", b.what.c_str(), b.first.text());

    const std::string tmp = temporaryPath(out);
    OFCondition c = ff.saveFile(tmp.c_str(), EXS_LittleEndianExplicit);
    if (c.bad()) {
        std::remove(tmp.c_str());
        return fail(st, DCMW_WRITE_FAILED, out, "cannot save: %s", c.text());
    }
    if (int rc = verifyWritten(tmp, out, v, st)) {
        std::remove(tmp.c_str());
        return rc;
    }
    if (std::rename(tmp.c_str(), out.c_str()) != 0) {
        int err = errno;
        std::remove(tmp.c_str());
        return fail(st, DCMW_WRITE_FAILED, out, "cannot rename into place: %s", std::strerror(err));
    }
    return ok(st);
}
