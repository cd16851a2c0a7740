// Writers for derived DICOM objects behind the C API of dcmbridge_write.h.
//
// The attribute choices follow PS3.3 (SC Image IOD, Overlay Plane module, Segmentation IOD) and
// what dciodvfy accepts; see clinical-io-notes §1.6-1.7 for the pitfalls that shaped them.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmdata/dcuid.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/dcmfg/fgderimg.h"
#include "dcmtk/dcmfg/fgfracon.h"
#include "dcmtk/dcmfg/fgpixmsr.h"
#include "dcmtk/dcmfg/fgplanor.h"
#include "dcmtk/dcmfg/fgplanpo.h"
#include "dcmtk/dcmiod/iodreferences.h"
#include "dcmtk/dcmseg/segdoc.h"
#include "dcmtk/dcmseg/segment.h"
#include "dcmtk/oflog/oflog.h"

#include "dcmbridge_write.h"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include <unistd.h>

namespace {

const char *kSecondaryCaptureClass = UID_SecondaryCaptureImageStorage;

// ---------------------------------------------------------------------------------------------
// Status helpers

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

std::string str(const char *s) { return s ? std::string(s) : std::string(); }

// Decoders are process-wide registrations; registering twice is harmless in DCMTK but the
// once-flag keeps it to one call even when writers run on several threads.
void initialiseOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        // DCMTK logs through oflog to stderr by default; the bridge reports through dcmw_status,
        // so its diagnostics appear only when MEDVMAD_DCMTK_LOG is set (for debugging).
        OFLog::configure(std::getenv("MEDVMAD_DCMTK_LOG") ? OFLogger::DEBUG_LOG_LEVEL : OFLogger::FATAL_LOG_LEVEL);
        DcmRLEDecoderRegistration::registerCodecs();
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
    });
}

// ---------------------------------------------------------------------------------------------
// Formatting

// Decimal String values are at most 16 characters: use the most precision that fits.
std::string ds(double v) {
    char buf[64];
    for (int prec = 12; prec >= 1; --prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strlen(buf) <= 16) break;
    }
    if (std::strcmp(buf, "-0") == 0) return "0";
    return buf;
}

std::string findString(DcmItem *item, const DcmTagKey &tag) {
    OFString v;
    if (item->findAndGetOFStringArray(tag, v).good()) return std::string(v.c_str());
    return std::string();
}

// ---------------------------------------------------------------------------------------------
// Files: temporary name, read-back check, rename into place

std::string temporaryPath(const std::string &out) {
    std::string dir, name;
    size_t slash = out.find_last_of('/');
    if (slash == std::string::npos) {
        dir = "";
        name = out;
    } else {
        dir = out.substr(0, slash + 1);
        name = out.substr(slash + 1);
    }
    static unsigned long counter = 0;
    static std::mutex m;
    unsigned long n;
    {
        std::lock_guard<std::mutex> g(m);
        n = ++counter;
    }
    char suffix[64];
    std::snprintf(suffix, sizeof suffix, ".tmp-%ld-%lu", static_cast<long>(getpid()), n);
    return dir + "." + name + suffix;
}

struct Expected {
    std::string sopClass;
    Uint16 rows = 0;
    Uint16 cols = 0;
    long frames = 1;
    Uint16 samplesPerPixel = 1;
    Uint16 bitsAllocated = 8;
    int overlayGroup = -1; // when >= 0, the overlay plane must be present with the image's size
};

// Loads what was written and checks the essentials, so that a file that DCMTK saved but that
// does not hold what we meant is never renamed into place.
int verifyWritten(const std::string &tmp, const std::string &out, const Expected &e, dcmw_status *st) {
    DcmFileFormat ff;
    OFCondition c = ff.loadFile(tmp.c_str());
    if (c.bad()) return fail(st, DCMW_READBACK_FAILED, out, "written file does not load: %s", c.text());
    DcmDataset *d = ff.getDataset();
    std::string cls = findString(d, DCM_SOPClassUID);
    if (cls != e.sopClass)
        return fail(st, DCMW_READBACK_FAILED, out, "SOP class reads back as '%s', expected '%s'", cls.c_str(),
                    e.sopClass.c_str());
    Uint16 rows = 0, cols = 0, spp = 0, bits = 0;
    d->findAndGetUint16(DCM_Rows, rows);
    d->findAndGetUint16(DCM_Columns, cols);
    d->findAndGetUint16(DCM_SamplesPerPixel, spp);
    d->findAndGetUint16(DCM_BitsAllocated, bits);
    if (rows != e.rows || cols != e.cols)
        return fail(st, DCMW_READBACK_FAILED, out, "size reads back as %ux%u, expected %ux%u", rows, cols, e.rows,
                    e.cols);
    if (spp != e.samplesPerPixel || bits != e.bitsAllocated)
        return fail(st, DCMW_READBACK_FAILED, out, "samples/bits read back as %u/%u, expected %u/%u", spp, bits,
                    e.samplesPerPixel, e.bitsAllocated);
    long frames = 1;
    Sint32 nf = 0;
    if (d->findAndGetSint32(DCM_NumberOfFrames, nf).good()) frames = nf;
    if (frames != e.frames)
        return fail(st, DCMW_READBACK_FAILED, out, "%ld frames read back, expected %ld", frames, e.frames);
    DcmElement *px = nullptr;
    if (d->findAndGetElement(DCM_PixelData, px).bad() || px == nullptr)
        return fail(st, DCMW_READBACK_FAILED, out, "no PixelData in the written file");
    unsigned long bitsTotal = static_cast<unsigned long>(rows) * cols * e.samplesPerPixel * e.bitsAllocated * frames;
    unsigned long need = (bitsTotal + 7) / 8;
    if (px->getLength() < need)
        return fail(st, DCMW_READBACK_FAILED, out, "PixelData holds %lu bytes, %lu needed", (unsigned long)px->getLength(),
                    need);
    if (e.overlayGroup >= 0) {
        Uint16 orows = 0, ocols = 0;
        Uint16 g = static_cast<Uint16>(e.overlayGroup);
        DcmElement *od = nullptr;
        d->findAndGetUint16(DcmTagKey(g, 0x0010), orows);
        d->findAndGetUint16(DcmTagKey(g, 0x0011), ocols);
        if (orows != rows || ocols != cols || d->findAndGetElement(DcmTagKey(g, 0x3000), od).bad() ||
            od->getLength() < (static_cast<unsigned long>(rows) * cols + 7) / 8)
            return fail(st, DCMW_READBACK_FAILED, out, "overlay plane %04X does not read back complete", g);
    }
    return DCMW_OK;
}

// Saves `ff` under a temporary name next to `out`, verifies it, renames it into place.
int saveVerified(DcmFileFormat &ff, const std::string &out, const Expected &e, dcmw_status *st) {
    std::string tmp = temporaryPath(out);
    // Regenerate the meta header from the dataset (new SOP instance, class and transfer syntax).
    ff.getMetaInfo()->clear();
    OFCondition c = ff.saveFile(tmp.c_str(), EXS_LittleEndianExplicit);
    if (c.bad()) {
        std::remove(tmp.c_str());
        return fail(st, DCMW_WRITE_FAILED, out, "cannot save: %s", c.text());
    }
    int rc = verifyWritten(tmp, out, e, st);
    if (rc != DCMW_OK) {
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

// ---------------------------------------------------------------------------------------------
// Source access

int loadSource(const std::string &path, DcmFileFormat &ff, dcmw_status *st) {
    if (!dcmDataDict.isDictionaryLoaded())
        return fail(st, DCMW_SOURCE_UNREADABLE, path, "DICOM data dictionary not loaded (install libdcmtk17 or set DCMDICTPATH)");
    // Large elements (pixel data) stay on disk until used: only the copy writer touches them.
    OFCondition c = ff.loadFile(path.c_str());
    if (c.bad()) return fail(st, DCMW_SOURCE_UNREADABLE, path, "cannot load as DICOM: %s", c.text());
    return DCMW_OK;
}

int requireString(DcmItem *d, const DcmTagKey &tag, const char *name, const std::string &path, std::string &out,
                  dcmw_status *st) {
    out = findString(d, tag);
    if (out.empty()) return fail(st, DCMW_SOURCE_ATTRIBUTE, path, "source has no %s", name);
    return DCMW_OK;
}

long numberOfFrames(DcmItem *d) {
    Sint32 nf = 0;
    if (d->findAndGetSint32(DCM_NumberOfFrames, nf).good() && nf > 0) return nf;
    return 1;
}

// Patient, Patient Study, General Study and Clinical Trial attributes carried into a new series
// of the same study (PS3.3 C.7.1.1, C.7.2.1, C.7.2.2, C.7.1.3, C.7.2.3).
const DcmTagKey kPatientStudyTags[] = {
    DCM_SpecificCharacterSet,
    // Patient
    DCM_PatientName, DCM_PatientID, DCM_IssuerOfPatientID, DCM_IssuerOfPatientIDQualifiersSequence,
    DCM_TypeOfPatientID, DCM_PatientBirthDate, DCM_PatientBirthTime, DCM_PatientSex, DCM_QualityControlSubject,
    DCM_OtherPatientIDsSequence, DCM_OtherPatientNames, DCM_EthnicGroup, DCM_PatientComments,
    DCM_PatientSpeciesDescription, DCM_PatientSpeciesCodeSequence, DCM_PatientBreedDescription,
    DCM_PatientBreedCodeSequence, DCM_BreedRegistrationSequence, DCM_ResponsiblePerson, DCM_ResponsiblePersonRole,
    DCM_ResponsibleOrganization, DCM_PatientIdentityRemoved, DCM_DeidentificationMethod,
    DCM_DeidentificationMethodCodeSequence,
    // Clinical Trial Subject
    DCM_ClinicalTrialSponsorName, DCM_ClinicalTrialProtocolID, DCM_ClinicalTrialProtocolName,
    DCM_ClinicalTrialSiteID, DCM_ClinicalTrialSiteName, DCM_ClinicalTrialSubjectID,
    DCM_ClinicalTrialSubjectReadingID,
    // General Study
    DCM_StudyInstanceUID, DCM_StudyDate, DCM_StudyTime, DCM_ReferringPhysicianName,
    DCM_ReferringPhysicianIdentificationSequence, DCM_StudyID, DCM_AccessionNumber,
    DCM_IssuerOfAccessionNumberSequence, DCM_StudyDescription, DCM_PhysiciansOfRecord,
    DCM_PhysiciansOfRecordIdentificationSequence, DCM_NameOfPhysiciansReadingStudy,
    DCM_PhysiciansReadingStudyIdentificationSequence, DCM_RequestingServiceCodeSequence,
    DCM_ReferencedStudySequence, DCM_ProcedureCodeSequence,
    // Patient Study
    DCM_AdmittingDiagnosesDescription, DCM_AdmittingDiagnosesCodeSequence, DCM_PatientAge, DCM_PatientSize,
    DCM_PatientWeight, DCM_PatientSizeCodeSequence, DCM_Occupation, DCM_AdditionalPatientHistory,
    DCM_AdmissionID, DCM_IssuerOfAdmissionIDSequence, DCM_PatientSexNeutered, DCM_PregnancyStatus,
    // Clinical Trial Study
    DCM_ClinicalTrialTimePointID, DCM_ClinicalTrialTimePointDescription,
};

void copyTags(DcmItem *from, DcmItem *to, const DcmTagKey *tags, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        DcmElement *e = nullptr;
        if (from->findAndGetElement(tags[i], e).good() && e != nullptr) {
            to->insert(static_cast<DcmElement *>(e->clone()), OFTrue);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pieces shared by the SC and the overlay copy

int checkInfo(const dcmw_instance_info *info, const std::string &out, dcmw_status *st) {
    if (!info) return fail(st, DCMW_INVALID_INPUT, out, "no instance information");
    const char *uids[] = {info->series_instance_uid, info->sop_instance_uid};
    for (const char *u : uids) {
        if (!u || !*u) return fail(st, DCMW_INVALID_INPUT, out, "empty UID");
        if (DcmUniqueIdentifier::checkStringValue(OFString(u), "1").bad())
            return fail(st, DCMW_INVALID_INPUT, out, "invalid UID '%s'", u);
    }
    if (DcmDate::checkStringValue(OFString(str(info->date).c_str()), "1").bad() || str(info->date).size() != 8)
        return fail(st, DCMW_INVALID_INPUT, out, "invalid date '%s' (YYYYMMDD)", str(info->date).c_str());
    if (DcmTime::checkStringValue(OFString(str(info->time).c_str()), "1").bad() || str(info->time).empty())
        return fail(st, DCMW_INVALID_INPUT, out, "invalid time '%s' (HHMMSS)", str(info->time).c_str());
    return DCMW_OK;
}

void putDates(DcmItem *d, const dcmw_instance_info *info) {
    d->putAndInsertString(DCM_InstanceCreationDate, info->date);
    d->putAndInsertString(DCM_InstanceCreationTime, info->time);
    d->putAndInsertString(DCM_SeriesDate, info->date);
    d->putAndInsertString(DCM_SeriesTime, info->time);
    d->putAndInsertString(DCM_ContentDate, info->date);
    d->putAndInsertString(DCM_ContentTime, info->time);
}

void putSeriesIdentity(DcmItem *d, const dcmw_instance_info *info) {
    d->putAndInsertString(DCM_SOPInstanceUID, info->sop_instance_uid);
    d->putAndInsertString(DCM_SeriesInstanceUID, info->series_instance_uid);
    char num[32];
    std::snprintf(num, sizeof num, "%d", info->series_number);
    d->putAndInsertString(DCM_SeriesNumber, num);
    d->putAndInsertString(DCM_SeriesDescription, str(info->series_description).c_str());
    d->putAndInsertString(DCM_ImageComments, str(info->image_comments).c_str());
    d->putAndInsertString(DCM_DerivationDescription, str(info->derivation_description).c_str());
}

// SourceImageSequence with one item: the image the output is derived from.
void putSourceImage(DcmItem *d, const std::string &cls, const std::string &inst, long sourceFrames, int frame) {
    d->findAndDeleteElement(DCM_SourceImageSequence);
    DcmItem *item = nullptr;
    d->findOrCreateSequenceItem(DCM_SourceImageSequence, item, -2);
    item->putAndInsertString(DCM_ReferencedSOPClassUID, cls.c_str());
    item->putAndInsertString(DCM_ReferencedSOPInstanceUID, inst.c_str());
    if (sourceFrames > 1) {
        char num[32];
        std::snprintf(num, sizeof num, "%d", frame + 1);
        item->putAndInsertString(DCM_ReferencedFrameNumber, num);
    }
    DcmItem *purpose = nullptr;
    item->findOrCreateSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, -2);
    purpose->putAndInsertString(DCM_CodeValue, "121322");
    purpose->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
    purpose->putAndInsertString(DCM_CodeMeaning, "Source image for image processing operation");
}

int checkOverlay(const dcmw_overlay *ov, int rows, int cols, const std::string &out, dcmw_status *st) {
    if (!ov) return DCMW_OK;
    if (!ov->mask) return fail(st, DCMW_INVALID_INPUT, out, "overlay has no mask");
    if (ov->rows != rows || ov->cols != cols)
        return fail(st, DCMW_INVALID_INPUT, out, "overlay is %dx%d, image is %dx%d", ov->rows, ov->cols, rows, cols);
    if (ov->type != 'G' && ov->type != 'R')
        return fail(st, DCMW_INVALID_INPUT, out, "overlay type must be 'G' or 'R'");
    return DCMW_OK;
}

// Overlay Plane module (PS3.3 C.9.2) in repeating group `g`: one bit per pixel, row-major, packed
// least significant bit first, padded to an even length (OW).
int putOverlay(DcmItem *d, Uint16 g, const dcmw_overlay *ov, const std::string &out, dcmw_status *st) {
    size_t n = static_cast<size_t>(ov->rows) * ov->cols;
    std::vector<Uint8> packed(((n + 15) / 16) * 2, 0);
    for (size_t i = 0; i < n; ++i)
        if (ov->mask[i]) packed[i >> 3] |= static_cast<Uint8>(1u << (i & 7));
    char type[2] = {ov->type, 0};
    OFCondition c = d->putAndInsertUint16(DcmTagKey(g, 0x0010), static_cast<Uint16>(ov->rows));
    if (c.good()) c = d->putAndInsertUint16(DcmTagKey(g, 0x0011), static_cast<Uint16>(ov->cols));
    if (c.good()) c = d->putAndInsertString(DcmTagKey(g, 0x0022), str(ov->description).c_str());
    if (c.good()) c = d->putAndInsertString(DcmTagKey(g, 0x0040), type);
    if (c.good()) c = d->putAndInsertString(DcmTagKey(g, 0x0045), "AUTOMATED");
    if (c.good()) c = d->putAndInsertString(DcmTagKey(g, 0x0050), "1\\1");
    if (c.good()) c = d->putAndInsertUint16(DcmTagKey(g, 0x0100), 1);
    if (c.good()) c = d->putAndInsertUint16(DcmTagKey(g, 0x0102), 0);
    if (c.good()) c = d->putAndInsertString(DcmTagKey(g, 0x1500), str(ov->label).c_str());
    if (c.good()) {
        DcmPolymorphOBOW *data = new DcmPolymorphOBOW(DcmTag(DcmTagKey(g, 0x3000), EVR_OW));
        c = data->putUint8Array(packed.data(), static_cast<unsigned long>(packed.size()));
        if (c.good()) c = d->insert(data, OFTrue);
        else delete data;
    }
    if (c.bad()) return fail(st, DCMW_BUILD_FAILED, out, "cannot write overlay plane %04X: %s", g, c.text());
    return DCMW_OK;
}

bool overlayGroupUsed(DcmItem *d, Uint16 g) {
    for (unsigned long i = 0; i < d->card(); ++i) {
        DcmElement *e = d->getElement(i);
        if (e && e->getGTag() == g) return true;
    }
    return false;
}

} // namespace

// =============================================================================================

extern "C" int dcmw_generate_uid(const char *root, char *out, size_t out_len) {
    if (!out || out_len < 65) return 1;
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, (root && *root) ? root : SITE_INSTANCE_UID_ROOT);
    if (std::strlen(buf) >= out_len) return 1;
    std::snprintf(out, out_len, "%s", buf);
    return 0;
}

extern "C" int dcmw_write_secondary_capture(const char *source_path, int source_frame, const char *output_path,
                                            const uint8_t *rgb, int rows, int cols, int burned_in_annotation,
                                            const dcmw_instance_info *info, const dcmw_overlay *overlay,
                                            dcmw_status *st) {
    initialiseOnce();
    std::string src = str(source_path), out = str(output_path);
    int rc = checkInfo(info, out, st);
    if (rc) return rc;
    if (!rgb || rows <= 0 || cols <= 0 || rows > 65535 || cols > 65535)
        return fail(st, DCMW_INVALID_INPUT, out, "RGB image of %dx%d is not writable", rows, cols);
    if ((rc = checkOverlay(overlay, rows, cols, out, st))) return rc;

    DcmFileFormat source;
    if ((rc = loadSource(src, source, st))) return rc;
    DcmDataset *s = source.getDataset();
    std::string srcClass, srcInst;
    if ((rc = requireString(s, DCM_SOPClassUID, "SOPClassUID", src, srcClass, st))) return rc;
    if ((rc = requireString(s, DCM_SOPInstanceUID, "SOPInstanceUID", src, srcInst, st))) return rc;
    std::string study;
    if ((rc = requireString(s, DCM_StudyInstanceUID, "StudyInstanceUID", src, study, st))) return rc;
    long srcFrames = numberOfFrames(s);
    if (source_frame < 0 || source_frame >= srcFrames)
        return fail(st, DCMW_INVALID_INPUT, src, "frame %d out of range (source has %ld)", source_frame, srcFrames);

    DcmFileFormat ff;
    DcmDataset *d = ff.getDataset();
    copyTags(s, d, kPatientStudyTags, sizeof kPatientStudyTags / sizeof kPatientStudyTags[0]);

    // SOP Common, General Series, General Equipment, SC Equipment, General Image, SC Image.
    d->putAndInsertString(DCM_SOPClassUID, kSecondaryCaptureClass);
    putSeriesIdentity(d, info);
    putDates(d, info);
    std::string modality = findString(s, DCM_Modality);
    d->putAndInsertString(DCM_Modality, modality.empty() ? "OT" : modality.c_str());
    // Laterality is type 2C: required (may be empty) for a paired body part, absent otherwise.
    // The SC shows the source's body part, so follow the source: its Laterality when it has one
    // (same side), none when it names a body part without one, and empty when it names neither.
    std::string bodyPart = findString(s, DCM_BodyPartExamined);
    if (!bodyPart.empty()) d->putAndInsertString(DCM_BodyPartExamined, bodyPart.c_str());
    if (s->tagExists(DCM_Laterality)) d->putAndInsertString(DCM_Laterality, findString(s, DCM_Laterality).c_str());
    else if (bodyPart.empty()) d->putAndInsertString(DCM_Laterality, "");
    d->putAndInsertString(DCM_Manufacturer, str(info->manufacturer).c_str());
    d->putAndInsertString(DCM_ConversionType, "WSD");
    d->putAndInsertString(DCM_SecondaryCaptureDeviceManufacturer, str(info->manufacturer).c_str());
    d->putAndInsertString(DCM_SecondaryCaptureDeviceManufacturerModelName, str(info->model_name).c_str());
    d->putAndInsertString(DCM_SecondaryCaptureDeviceSoftwareVersions, str(info->software_versions).c_str());
    d->putAndInsertString(DCM_DateOfSecondaryCapture, info->date);
    d->putAndInsertString(DCM_TimeOfSecondaryCapture, info->time);
    char num[32];
    std::snprintf(num, sizeof num, "%d", info->instance_number > 0 ? info->instance_number : 1);
    d->putAndInsertString(DCM_InstanceNumber, num);
    d->putAndInsertString(DCM_PatientOrientation, "");
    d->putAndInsertString(DCM_ImageType, "DERIVED\\SECONDARY");
    d->putAndInsertString(DCM_BurnedInAnnotation, burned_in_annotation ? "YES" : "NO");
    putSourceImage(d, srcClass, srcInst, srcFrames, source_frame);

    // Image Pixel: 8-bit RGB, pixel-interleaved.
    d->putAndInsertUint16(DCM_SamplesPerPixel, 3);
    d->putAndInsertString(DCM_PhotometricInterpretation, "RGB");
    d->putAndInsertUint16(DCM_PlanarConfiguration, 0);
    d->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(rows));
    d->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(cols));
    d->putAndInsertUint16(DCM_BitsAllocated, 8);
    d->putAndInsertUint16(DCM_BitsStored, 8);
    d->putAndInsertUint16(DCM_HighBit, 7);
    d->putAndInsertUint16(DCM_PixelRepresentation, 0);
    OFCondition c = d->putAndInsertUint8Array(DCM_PixelData, rgb, static_cast<unsigned long>(rows) * cols * 3);
    if (c.bad()) return fail(st, DCMW_BUILD_FAILED, out, "cannot store pixel data: %s", c.text());
    if (overlay && (rc = putOverlay(d, 0x6000, overlay, out, st))) return rc;

    Expected e;
    e.sopClass = kSecondaryCaptureClass;
    e.rows = static_cast<Uint16>(rows);
    e.cols = static_cast<Uint16>(cols);
    e.samplesPerPixel = 3;
    e.bitsAllocated = 8;
    e.overlayGroup = overlay ? 0x6000 : -1;
    return saveVerified(ff, out, e, st);
}

extern "C" int dcmw_write_overlay_copy(const char *source_path, const char *output_path,
                                       const dcmw_instance_info *info, const dcmw_overlay *overlay,
                                       int *overlay_group, dcmw_status *st) {
    initialiseOnce();
    std::string src = str(source_path), out = str(output_path);
    int rc = checkInfo(info, out, st);
    if (rc) return rc;
    if (!overlay) return fail(st, DCMW_INVALID_INPUT, out, "no overlay given");

    DcmFileFormat ff;
    if ((rc = loadSource(src, ff, st))) return rc;
    DcmDataset *d = ff.getDataset();
    std::string srcClass, srcInst, study;
    if ((rc = requireString(d, DCM_SOPClassUID, "SOPClassUID", src, srcClass, st))) return rc;
    if ((rc = requireString(d, DCM_SOPInstanceUID, "SOPInstanceUID", src, srcInst, st))) return rc;
    if ((rc = requireString(d, DCM_StudyInstanceUID, "StudyInstanceUID", src, study, st))) return rc;
    if (numberOfFrames(d) > 1)
        return fail(st, DCMW_UNSUPPORTED_SOURCE, src, "multi-frame source (%ld frames): overlay copies are single-frame",
                    numberOfFrames(d));
    Uint16 rows = 0, cols = 0, spp = 0, bits = 0;
    if (d->findAndGetUint16(DCM_Rows, rows).bad() || d->findAndGetUint16(DCM_Columns, cols).bad() ||
        d->findAndGetUint16(DCM_SamplesPerPixel, spp).bad() || d->findAndGetUint16(DCM_BitsAllocated, bits).bad())
        return fail(st, DCMW_SOURCE_ATTRIBUTE, src, "source lacks Rows, Columns, SamplesPerPixel or BitsAllocated");
    if (!d->tagExists(DCM_PixelData)) return fail(st, DCMW_SOURCE_ATTRIBUTE, src, "source has no PixelData");
    if ((rc = checkOverlay(overlay, rows, cols, out, st))) return rc;

    // Decode compressed pixel data so the copy is explicit VR little endian like every output.
    OFCondition c = d->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
    if (c.bad() || !d->canWriteXfer(EXS_LittleEndianExplicit)) {
        DcmXfer xfer(d->getOriginalXfer());
        return fail(st, DCMW_UNSUPPORTED_SOURCE, src, "cannot decode transfer syntax %s: %s", xfer.getXferName(),
                    c.bad() ? c.text() : "no decoder");
    }
    d->removeAllButCurrentRepresentations();
    // Make sure every element (including pixel data left on disk by lazy loading) is in memory
    // before the output replaces anything.
    d->loadAllDataIntoMemory();

    // Drop what must not survive into a new instance: signatures and MACs over the old content,
    // and the old derivation trail (replaced below).
    d->findAndDeleteElement(DCM_DigitalSignaturesSequence);
    d->findAndDeleteElement(DCM_MACParametersSequence);
    d->findAndDeleteElement(DCM_EncryptedAttributesSequence);

    Uint16 group = 0;
    for (Uint16 g = 0x6000; g <= 0x601E; g += 2) {
        if (!overlayGroupUsed(d, g)) {
            group = g;
            break;
        }
    }
    if (group == 0) return fail(st, DCMW_UNSUPPORTED_SOURCE, src, "all 16 overlay groups are in use");

    // ImageType: value 1 becomes DERIVED; the rest (PRIMARY/SECONDARY, modality values) stays.
    OFString imageType;
    std::string newType = "DERIVED\\SECONDARY";
    if (d->findAndGetOFStringArray(DCM_ImageType, imageType).good() && !imageType.empty()) {
        std::string t(imageType.c_str());
        size_t bs = t.find('\\');
        newType = bs == std::string::npos ? std::string("DERIVED\\SECONDARY") : "DERIVED" + t.substr(bs);
    }
    d->putAndInsertString(DCM_ImageType, newType.c_str());
    putSeriesIdentity(d, info);
    putDates(d, info);
    if (info->instance_number > 0) {
        char num[32];
        std::snprintf(num, sizeof num, "%d", info->instance_number);
        d->putAndInsertString(DCM_InstanceNumber, num);
    }
    putSourceImage(d, srcClass, srcInst, 1, 0);
    if ((rc = putOverlay(d, group, overlay, out, st))) return rc;

    Expected e;
    e.sopClass = srcClass;
    e.rows = rows;
    e.cols = cols;
    e.samplesPerPixel = spp;
    e.bitsAllocated = bits;
    e.overlayGroup = group;
    rc = saveVerified(ff, out, e, st);
    if (rc == DCMW_OK && overlay_group) *overlay_group = group;
    return rc;
}

// =============================================================================================
// Segmentation

namespace {

struct SourceInfo {
    std::string path, sopClass, sopInstance, series, study, patientID, frameOfReference;
    long frames = 1;
    Uint16 rows = 0, cols = 0;
    std::vector<Uint32> referencedFrames; // 1-based, for multi-frame sources
};

// Reads PixelSpacing, SliceThickness and ImageOrientationPatient from the top level, or from the
// shared functional groups of an enhanced object.
bool readGeometry(DcmItem *d, double spacing[2], double &thickness, double iop[6]) {
    auto fromItem = [&](DcmItem *item, bool &haveSpacing, bool &haveIop, bool &haveThickness) {
        Float64 v = 0;
        if (!haveSpacing && item->findAndGetFloat64(DCM_PixelSpacing, v, 0).good()) {
            spacing[0] = v;
            if (item->findAndGetFloat64(DCM_PixelSpacing, v, 1).good()) {
                spacing[1] = v;
                haveSpacing = true;
            }
        }
        if (!haveThickness && item->findAndGetFloat64(DCM_SliceThickness, v).good()) {
            thickness = v;
            haveThickness = true;
        }
        if (!haveIop) {
            bool all = true;
            for (int i = 0; i < 6 && all; ++i) {
                if (item->findAndGetFloat64(DCM_ImageOrientationPatient, v, i).good()) iop[i] = v;
                else all = false;
            }
            haveIop = all;
        }
    };
    bool hs = false, hi = false, ht = false;
    fromItem(d, hs, hi, ht);
    DcmItem *shared = nullptr;
    if ((!hs || !hi || !ht) && d->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good()) {
        DcmItem *sub = nullptr;
        if (shared->findAndGetSequenceItem(DCM_PixelMeasuresSequence, sub, 0).good()) fromItem(sub, hs, hi, ht);
        if (shared->findAndGetSequenceItem(DCM_PlaneOrientationSequence, sub, 0).good()) fromItem(sub, hs, hi, ht);
    }
    return hs && hi && ht;
}

// Completes the source image items of the Derivation Image groups that DCMTK wrote: every SEG
// frame lies on its source image's grid (SpatialLocationsPreserved YES), and frames of
// multi-frame sources name their frame (DCMTK 3.6.7 cannot: it formats Referenced Frame Number
// with a leading space and rejects its own value). `frameNumbers[i]` is the 1-based source frame
// of SEG frame i, or 0 for a single-frame source.
void completeSourceImageItems(DcmItem *groups, Uint32 frameNumber) {
    DcmSequenceOfItems *deriv = nullptr;
    if (groups->findAndGetSequence(DCM_DerivationImageSequence, deriv).bad() || !deriv) return;
    for (unsigned long k = 0; k < deriv->card(); ++k) {
        DcmSequenceOfItems *srcs = nullptr;
        if (deriv->getItem(k)->findAndGetSequence(DCM_SourceImageSequence, srcs).bad() || !srcs) continue;
        for (unsigned long j = 0; j < srcs->card(); ++j) {
            DcmItem *item = srcs->getItem(j);
            item->putAndInsertString(DCM_SpatialLocationsPreserved, "YES");
            if (frameNumber > 0) {
                char num[32];
                std::snprintf(num, sizeof num, "%u", frameNumber);
                item->putAndInsertString(DCM_ReferencedFrameNumber, num);
            }
        }
    }
}

int completeDerivationReferences(DcmItem *d, const std::vector<Uint32> &frameNumbers) {
    DcmSequenceOfItems *perFrame = nullptr;
    unsigned long perFrameCount = 0;
    if (d->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, perFrame).good() && perFrame)
        perFrameCount = perFrame->card();
    if (perFrameCount != frameNumbers.size()) return 1;
    for (unsigned long f = 0; f < perFrameCount; ++f) completeSourceImageItems(perFrame->getItem(f), frameNumbers[f]);
    // With a single frame DCMTK may file the derivation group as shared.
    DcmItem *shared = nullptr;
    if (frameNumbers.size() == 1 && d->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good())
        completeSourceImageItems(shared, frameNumbers[0]);
    return 0;
}

} // namespace

extern "C" int dcmw_write_segmentation(const char *output_path, const dcmw_seg_params *p,
                                       const dcmw_seg_frame *frames, int frame_count,
                                       const dcmw_instance_info *info, dcmw_status *st) {
    initialiseOnce();
    std::string out = str(output_path);
    int rc = checkInfo(info, out, st);
    if (rc) return rc;
    if (!p || !frames || frame_count <= 0)
        return fail(st, DCMW_INVALID_INPUT, out, "a segmentation needs at least one frame");
    if (p->rows <= 0 || p->cols <= 0 || p->rows > 65535 || p->cols > 65535)
        return fail(st, DCMW_INVALID_INPUT, out, "frame size %dx%d is not writable", p->rows, p->cols);
    std::string dimUID = str(p->dimension_organization_uid);
    if (dimUID.empty() || DcmUniqueIdentifier::checkStringValue(OFString(dimUID.c_str()), "1").bad())
        return fail(st, DCMW_INVALID_INPUT, out, "invalid dimension organization UID '%s'", dimUID.c_str());

    // Sources: each distinct file is loaded once (pixel data stays on disk).
    std::map<std::string, size_t> sourceIndex;
    std::vector<SourceInfo> sources;
    std::vector<std::unique_ptr<DcmFileFormat>> files;
    for (int i = 0; i < frame_count; ++i) {
        const dcmw_seg_frame &fr = frames[i];
        std::string path = str(fr.source_path);
        if (!fr.mask) return fail(st, DCMW_INVALID_INPUT, out, "frame %d has no mask", i);
        if (sourceIndex.count(path)) continue;
        std::unique_ptr<DcmFileFormat> ff(new DcmFileFormat);
        if ((rc = loadSource(path, *ff, st))) return rc;
        DcmDataset *d = ff->getDataset();
        SourceInfo s;
        s.path = path;
        if ((rc = requireString(d, DCM_SOPClassUID, "SOPClassUID", path, s.sopClass, st))) return rc;
        if ((rc = requireString(d, DCM_SOPInstanceUID, "SOPInstanceUID", path, s.sopInstance, st))) return rc;
        if ((rc = requireString(d, DCM_SeriesInstanceUID, "SeriesInstanceUID", path, s.series, st))) return rc;
        if ((rc = requireString(d, DCM_StudyInstanceUID, "StudyInstanceUID", path, s.study, st))) return rc;
        s.patientID = findString(d, DCM_PatientID);
        s.frameOfReference = findString(d, DCM_FrameOfReferenceUID);
        s.frames = numberOfFrames(d);
        d->findAndGetUint16(DCM_Rows, s.rows);
        d->findAndGetUint16(DCM_Columns, s.cols);
        if (s.rows != p->rows || s.cols != p->cols)
            return fail(st, DCMW_INVALID_INPUT, path, "source is %ux%u but the segmentation frames are %dx%d", s.rows,
                        s.cols, p->rows, p->cols);
        if (!sources.empty()) {
            if (s.study != sources[0].study)
                return fail(st, DCMW_INVALID_INPUT, path, "source belongs to study %s, not %s", s.study.c_str(),
                            sources[0].study.c_str());
            if (s.frameOfReference != sources[0].frameOfReference)
                return fail(st, DCMW_INVALID_INPUT, path, "source frame of reference %s differs from %s",
                            s.frameOfReference.c_str(), sources[0].frameOfReference.c_str());
        }
        sourceIndex[path] = sources.size();
        sources.push_back(s);
        files.push_back(std::move(ff));
    }
    for (int i = 0; i < frame_count; ++i) {
        SourceInfo &s = sources[sourceIndex[str(frames[i].source_path)]];
        if (frames[i].source_frame < 0 || frames[i].source_frame >= s.frames)
            return fail(st, DCMW_INVALID_INPUT, s.path, "frame %d out of range (source has %ld)", frames[i].source_frame,
                        s.frames);
        for (int k = 0; k < 3; ++k)
            if (!std::isfinite(frames[i].position[k]))
                return fail(st, DCMW_INVALID_INPUT, s.path, "non-finite position for SEG frame %d", i);
        if (s.frames > 1) s.referencedFrames.push_back(static_cast<Uint32>(frames[i].source_frame + 1));
    }

    // Geometry shared by all frames.
    double spacing[2], thickness, iop[6];
    if (p->has_geometry) {
        spacing[0] = p->pixel_spacing[0];
        spacing[1] = p->pixel_spacing[1];
        thickness = p->slice_thickness;
        std::memcpy(iop, p->orientation, sizeof iop);
    } else if (!readGeometry(files[0]->getDataset(), spacing, thickness, iop)) {
        return fail(st, DCMW_SOURCE_ATTRIBUTE, sources[0].path,
                    "source has no PixelSpacing, SliceThickness and ImageOrientationPatient; pass the geometry");
    }
    if (!(spacing[0] > 0 && spacing[1] > 0 && thickness > 0) || !std::isfinite(spacing[0]) ||
        !std::isfinite(spacing[1]) || !std::isfinite(thickness))
        return fail(st, DCMW_INVALID_INPUT, out, "pixel spacing %g\\%g and slice thickness %g must be positive", spacing[0],
                    spacing[1], thickness);
    double rowNorm = std::sqrt(iop[0] * iop[0] + iop[1] * iop[1] + iop[2] * iop[2]);
    double colNorm = std::sqrt(iop[3] * iop[3] + iop[4] * iop[4] + iop[5] * iop[5]);
    double dot = iop[0] * iop[3] + iop[1] * iop[4] + iop[2] * iop[5];
    // Direction cosines come from DS text (often 6 digits), so allow that much slack.
    if (std::fabs(rowNorm - 1) > 1e-3 || std::fabs(colNorm - 1) > 1e-3 || std::fabs(dot) > 1e-3)
        return fail(st, DCMW_INVALID_INPUT, out, "image orientation is not two orthogonal unit vectors");

    // In-stack position: frames ranked along the slice normal (1 = lowest), the second dimension.
    double normal[3] = {iop[1] * iop[5] - iop[2] * iop[4], iop[2] * iop[3] - iop[0] * iop[5],
                        iop[0] * iop[4] - iop[1] * iop[3]};
    std::vector<double> along(frame_count);
    for (int i = 0; i < frame_count; ++i)
        along[i] = normal[0] * frames[i].position[0] + normal[1] * frames[i].position[1] + normal[2] * frames[i].position[2];
    std::vector<double> sorted(along);
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 1; i < sorted.size(); ++i)
        if (std::fabs(sorted[i] - sorted[i - 1]) < 1e-4)
            return fail(st, DCMW_INVALID_INPUT, out, "two frames share the position %g along the slice normal", sorted[i]);

    IODGeneralEquipmentModule::EquipmentInfo eq(str(info->manufacturer).c_str(), str(info->model_name).c_str(),
                                                 str(info->device_serial_number).c_str(),
                                                 str(info->software_versions).c_str());
    char instanceNumber[32];
    std::snprintf(instanceNumber, sizeof instanceNumber, "%d", info->instance_number > 0 ? info->instance_number : 1);
    ContentIdentificationMacro ci(instanceNumber, str(p->content_label).c_str(), str(p->content_description).c_str(),
                                  str(p->content_creator).c_str());
    DcmSegmentation *rawSeg = nullptr;
    OFCondition c = DcmSegmentation::createBinarySegmentation(rawSeg, static_cast<Uint16>(p->rows),
                                                              static_cast<Uint16>(p->cols), eq, ci);
    if (c.bad() || !rawSeg) return fail(st, DCMW_BUILD_FAILED, out, "cannot create segmentation: %s", c.text());
    std::unique_ptr<DcmSegmentation> seg(rawSeg);
    c = seg->importFromSourceImage(*files[0]->getDataset());
    if (c.bad()) return fail(st, DCMW_BUILD_FAILED, sources[0].path, "cannot import patient/study: %s", c.text());

    char seriesNumber[32];
    std::snprintf(seriesNumber, sizeof seriesNumber, "%d", info->series_number);
    c = seg->getSegmentationSeriesModule().setSeriesNumber(seriesNumber);
    if (c.good()) c = seg->getSeries().setSeriesInstanceUID(info->series_instance_uid);
    if (c.good()) c = seg->getSOPCommon().setSOPInstanceUID(info->sop_instance_uid);
    if (c.bad()) return fail(st, DCMW_BUILD_FAILED, out, "cannot set series identity: %s", c.text());

    DcmSegment *segment = nullptr;
    c = DcmSegment::create(segment, str(p->segment_label).c_str(),
                           CodeSequenceMacro("49755003", "SCT", "Morphologically Abnormal Structure"),
                           CodeSequenceMacro("52988006", "SCT", "Lesion"), DcmSegTypes::SAT_AUTOMATIC,
                           str(p->algorithm_name).c_str());
    if (c.bad() || !segment) return fail(st, DCMW_BUILD_FAILED, out, "cannot create segment: %s", c.text());
    segment->getSegmentationAlgorithmIdentification().getAlgorithmFamilyCode().set("123110", "DCM",
                                                                                    "Artificial Intelligence");
    segment->getSegmentationAlgorithmIdentification().setAlgorithmName(str(p->algorithm_name).c_str());
    segment->getSegmentationAlgorithmIdentification().setAlgorithmVersion(str(p->algorithm_version).c_str());
    if (p->segment_description && *p->segment_description)
        segment->setSegmentDescription(p->segment_description);
    Uint16 segmentNumber = 0;
    c = seg->addSegment(segment, segmentNumber);
    if (c.bad()) {
        delete segment;
        return fail(st, DCMW_BUILD_FAILED, out, "cannot add segment: %s", c.text());
    }

    FGPixelMeasures pm;
    pm.setPixelSpacing((ds(spacing[0]) + "\\" + ds(spacing[1])).c_str());
    pm.setSliceThickness(ds(thickness).c_str());
    c = seg->addForAllFrames(pm);
    std::unique_ptr<FGPlaneOrientationPatient> po(FGPlaneOrientationPatient::createMinimal(
        ds(iop[0]).c_str(), ds(iop[1]).c_str(), ds(iop[2]).c_str(), ds(iop[3]).c_str(), ds(iop[4]).c_str(),
        ds(iop[5]).c_str()));
    if (c.good() && po) c = seg->addForAllFrames(*po);
    if (c.bad() || !po) return fail(st, DCMW_BUILD_FAILED, out, "cannot set shared geometry: %s", c.text());

    std::vector<Uint8> bytes(static_cast<size_t>(p->rows) * p->cols);
    for (int i = 0; i < frame_count; ++i) {
        const dcmw_seg_frame &fr = frames[i];
        const SourceInfo &s = sources[sourceIndex[str(fr.source_path)]];
        std::unique_ptr<FGPlanePosPatient> pos(FGPlanePosPatient::createMinimal(
            ds(fr.position[0]).c_str(), ds(fr.position[1]).c_str(), ds(fr.position[2]).c_str()));
        std::unique_ptr<FGFrameContent> content(new FGFrameContent);
        Uint32 rank = static_cast<Uint32>(std::lower_bound(sorted.begin(), sorted.end(), along[i]) - sorted.begin()) + 1;
        content->setDimensionIndexValues(segmentNumber, 0);
        content->setDimensionIndexValues(rank, 1);
        ImageSOPInstanceReferenceMacro *ref = nullptr;
        c = ImageSOPInstanceReferenceMacro::create(s.sopClass.c_str(), s.sopInstance.c_str(), ref);
        if (c.bad() || !ref) return fail(st, DCMW_BUILD_FAILED, s.path, "cannot reference source: %s", c.text());
        OFVector<ImageSOPInstanceReferenceMacro> refs;
        refs.push_back(*ref);
        delete ref;
        std::unique_ptr<FGDerivationImage> deriv(FGDerivationImage::createMinimal(
            refs, "Thresholded anomaly map", CodeSequenceMacro("113076", "DCM", "Segmentation"),
            CodeSequenceMacro("121322", "DCM", "Source image for image processing operation")));
        if (!pos || !deriv) return fail(st, DCMW_BUILD_FAILED, out, "cannot build functional groups for frame %d", i);
        OFVector<FGBase *> groups;
        groups.push_back(pos.get());
        groups.push_back(content.get());
        groups.push_back(deriv.get());
        for (size_t k = 0; k < bytes.size(); ++k) bytes[k] = fr.mask[k] ? 1 : 0;
        c = seg->addFrame(bytes.data(), segmentNumber, groups);
        if (c.bad()) return fail(st, DCMW_BUILD_FAILED, out, "cannot add frame %d: %s", i, c.text());
    }
    c = seg->getDimensions().addDimensionIndex(DCM_ReferencedSegmentNumber, dimUID.c_str(),
                                               DCM_SegmentIdentificationSequence, "ReferencedSegmentNumber");
    if (c.good())
        c = seg->getDimensions().addDimensionIndex(DCM_ImagePositionPatient, dimUID.c_str(), DCM_PlanePositionSequence,
                                                   "ImagePositionPatient");
    if (c.bad()) return fail(st, DCMW_BUILD_FAILED, out, "cannot add dimension index: %s", c.text());

    // The 5/6-argument IODImageReference constructors carry the study UID, and addReferences gets
    // it again: without it the references are filed under "other studies" and saving fails.
    IODReferences refs;
    for (const SourceInfo &s : sources) {
        IODImageReference *r = s.frames > 1
            ? new IODImageReference(s.patientID.c_str(), s.study.c_str(), s.series.c_str(), s.sopInstance.c_str(),
                                    s.sopClass.c_str(), s.referencedFrames)
            : new IODImageReference(s.patientID.c_str(), s.study.c_str(), s.series.c_str(), s.sopInstance.c_str(),
                                    s.sopClass.c_str());
        if (!refs.add(r)) {
            delete r;
            return fail(st, DCMW_BUILD_FAILED, s.path, "cannot add common instance reference");
        }
    }
    if (seg->getCommonInstanceReference().addReferences(refs, sources[0].study.c_str()) != sources.size())
        return fail(st, DCMW_BUILD_FAILED, out, "common instance reference dropped sources");

    DcmFileFormat ff;
    DcmDataset *d = ff.getDataset();
    c = seg->writeDataset(*d);
    if (c.bad()) return fail(st, DCMW_BUILD_FAILED, out, "cannot assemble segmentation: %s", c.text());
    // Identity and clock come from the caller, not from DCMTK's generators or the wall clock.
    putSeriesIdentity(d, info);
    putDates(d, info);
    d->findAndDeleteElement(DCM_DerivationDescription); // not part of the Segmentation IOD
    if (!(info->image_comments && *info->image_comments)) d->findAndDeleteElement(DCM_ImageComments);
    std::vector<Uint32> frameNumbers;
    for (int i = 0; i < frame_count; ++i) {
        const SourceInfo &s = sources[sourceIndex[str(frames[i].source_path)]];
        frameNumbers.push_back(s.frames > 1 ? static_cast<Uint32>(frames[i].source_frame + 1) : 0);
    }
    if (completeDerivationReferences(d, frameNumbers))
        return fail(st, DCMW_BUILD_FAILED, out, "per-frame functional groups do not match the %d frames", frame_count);

    Expected e;
    e.sopClass = UID_SegmentationStorage;
    e.rows = static_cast<Uint16>(p->rows);
    e.cols = static_cast<Uint16>(p->cols);
    e.frames = frame_count;
    e.samplesPerPixel = 1;
    e.bitsAllocated = 1;
    return saveVerified(ff, out, e, st);
}
