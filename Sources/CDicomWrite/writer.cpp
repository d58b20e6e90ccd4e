// Thin extern "C" layer over DCMTK's dcmseg and dcmdata for derived objects.
// Every OFCondition is checked; the first failure is reported with the step
// that failed.
#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmfg/fgderimg.h"
#include "dcmtk/dcmfg/fgfracon.h"
#include "dcmtk/dcmfg/fgpixmsr.h"
#include "dcmtk/dcmfg/fgplanor.h"
#include "dcmtk/dcmfg/fgplanpo.h"
#include "dcmtk/dcmfg/fgseg.h"
#include "dcmtk/dcmiod/iodreferences.h"
#include "dcmtk/dcmiod/iodrules.h"
#include "dcmtk/dcmseg/segdoc.h"
#include "dcmtk/dcmseg/segment.h"
#include "dcmtk/oflog/oflog.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tessera_dcmwrite.h"

namespace {

// Local coding scheme for what Tessera segments: no standard code names an
// "information density score". Declared in the Coding Scheme
// Identification Sequence of every object that uses it.
const char *const kScheme = "99TESSERA";

struct Failure {
    std::string message;
};

void check(const OFCondition &cond, const std::string &step) {
    if (cond.bad()) throw Failure{step + ": " + cond.text()};
}

void copyText(char *out, size_t outlen, const std::string &text) {
    if (!out || outlen == 0) return;
    size_t n = text.size() < outlen - 1 ? text.size() : outlen - 1;
    std::memcpy(out, text.data(), n);
    out[n] = 0;
}

/// The most precise form that fits a DS value (16 characters).
std::string decimal(double v) {
    char buf[40];
    for (int precision = 15; precision >= 6; --precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strlen(buf) <= 16) break;
    }
    return buf;
}

std::string decimals(const double *v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += (i ? "\\" : "") + decimal(v[i]);
    return s;
}

std::string newUID(const char *root) {
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, root);
    return buf;
}

std::string requiredString(DcmItem &item, const DcmTagKey &tag, const char *name) {
    OFString value;
    if (item.findAndGetOFString(tag, value).bad() || value.empty())
        throw Failure{std::string("source has no ") + name};
    return value.c_str();
}

/// The source image's header (pixel data stays on disk) and the UIDs every
/// derived object references.
struct SourceImage {
    DcmFileFormat file;
    std::string sopClass, sopInstance, study, series;

    explicit SourceImage(const char *path) {
        check(file.loadFile(path, EXS_Unknown, EGL_noChange, 4096), std::string("reading source ") + path);
        DcmDataset &ds = *file.getDataset();
        sopClass = requiredString(ds, DCM_SOPClassUID, "SOP Class UID");
        sopInstance = requiredString(ds, DCM_SOPInstanceUID, "SOP Instance UID");
        study = requiredString(ds, DCM_StudyInstanceUID, "Study Instance UID");
        series = requiredString(ds, DCM_SeriesInstanceUID, "Series Instance UID");
    }

    DcmDataset &dataset() { return *file.getDataset(); }
};

void addCodingScheme(DcmItem &dataset) {
    DcmItem *item = nullptr;
    check(dataset.findOrCreateSequenceItem(DCM_CodingSchemeIdentificationSequence, item, -2), "coding scheme item");
    check(item->putAndInsertString(DCM_CodingSchemeDesignator, kScheme), "coding scheme designator");
    check(item->putAndInsertString(DCM_CodingSchemeName, "Tessera token-density concepts"), "coding scheme name");
    check(item->putAndInsertString(DCM_CodingSchemeResponsibleOrganization, "Tessera"), "coding scheme organization");
}

/// Completes each frame's source reference after dcmfg wrote it: dcmfg has
/// no Spatial Locations Preserved (the SEG is on the source's pixel grid, and
/// readers such as highdicom need "YES" to map it onto the source), and
/// DCMTK 3.6.7 formats a Referenced Frame Number with a leading space that
/// its own check then rejects.
void completeSourceReferences(DcmDataset &dataset, uint32_t sourceFrame) {
    DcmSequenceOfItems *frames = nullptr;
    check(dataset.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, frames), "per-frame groups");
    for (unsigned long f = 0; f < frames->card(); ++f) {
        DcmSequenceOfItems *derivations = nullptr;
        if (frames->getItem(f)->findAndGetSequence(DCM_DerivationImageSequence, derivations).bad()) continue;
        for (unsigned long d = 0; d < derivations->card(); ++d) {
            DcmSequenceOfItems *sources = nullptr;
            check(derivations->getItem(d)->findAndGetSequence(DCM_SourceImageSequence, sources), "source image sequence");
            for (unsigned long s = 0; s < sources->card(); ++s) {
                DcmItem *item = sources->getItem(s);
                check(item->putAndInsertString(DCM_SpatialLocationsPreserved, "YES"), "spatial locations preserved");
                if (sourceFrame > 0)
                    check(item->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(sourceFrame).c_str()),
                          "referenced frame number");
            }
        }
    }
}

/// Patient Orientation as PS3.3 C.7.6.1.1.1 allows it: two values, each of
/// the letters L, R, A, P, H, F.
static bool isPatientOrientation(const OFString &value) {
    size_t split = value.find('\\');
    if (split == OFString_npos || value.find('\\', split + 1) != OFString_npos) return false;
    OFString row = value.substr(0, split), column = value.substr(split + 1);
    auto letters = [](const OFString &v) {
        return !v.empty() && v.find_first_not_of("LRAPHF") == OFString_npos;
    };
    return letters(row) && letters(column);
}

/// An empty BINARY or FRACTIONAL (probability, 0…255) segmentation.
static std::unique_ptr<DcmSegmentation> createSegmentation(const tdw_seg_request &r) {
    // EquipmentInfo takes manufacturer, model name, serial number, software versions.
    IODGeneralEquipmentModule::EquipmentInfo equipment("Tessera", "tessera heatmap", "1", r.algorithmVersion);
    ContentIdentificationMacro content("1", "DENSITY_MAP", "Tessera information-density map", "Tessera^");
    DcmSegmentation *raw = nullptr;
    check(r.binary ? DcmSegmentation::createBinarySegmentation(raw, r.rows, r.columns, equipment, content)
                   : DcmSegmentation::createFractionalSegmentation(raw, r.rows, r.columns, DcmSegTypes::SFT_PROBABILITY,
                                                                   255, equipment, content),
          "creating segmentation");
    return std::unique_ptr<DcmSegmentation>(raw);
}

/// A SEG shares the source's frame of reference only with the plane
/// geometry that places it there. A source without a frame of reference
/// (CR, DX, secondary capture) or without the geometry gives a SEG without
/// one, tied to the source by its Derivation Image references alone (what
/// the standard asks then). DCMTK 3.6.7's Frame of Reference module always
/// demands the UID, so its rules are relaxed for that case.
static void dropFrameOfReference(DcmSegmentation &seg) {
    IODFoRModule &module = seg.getFrameOfReference();
    check(module.setFrameOfReferenceUID("", OFFalse), "clearing frame of reference");
    check(module.setPositionReferenceIndicator("", OFFalse), "clearing position reference");
    IODRule *uidRule = module.getRules()->getByTag(DCM_FrameOfReferenceUID);
    IODRule *indicatorRule = module.getRules()->getByTag(DCM_PositionReferenceIndicator);
    if (!uidRule || !indicatorRule || !uidRule->setType("1C") || !indicatorRule->setType("3"))
        throw Failure{"cannot relax the Frame of Reference module for a source without one"};
}

/// Pixel measures, plane position and orientation for every frame (only with
/// the geometry: without a frame of reference a spacing, often the
/// detector's, locates nothing, and the macro then lacks the Slice Thickness
/// that readers such as highdicom require).
static void addPlaneGeometry(DcmSegmentation &seg, const tdw_geometry &g) {
    FGPixelMeasures measures;
    check(measures.setPixelSpacing(decimals(g.spacing, 2).c_str()), "pixel spacing");
    check(measures.setSliceThickness(decimal(g.sliceThickness).c_str()), "slice thickness");
    check(seg.addForAllFrames(measures), "pixel measures");
    FGPlanePosPatient position;
    check(position.setImagePositionPatient(decimal(g.position[0]).c_str(), decimal(g.position[1]).c_str(),
                                           decimal(g.position[2]).c_str()),
          "image position");
    check(seg.addForAllFrames(position), "plane position");
    FGPlaneOrientationPatient orientation;
    const double *o = g.orientation;
    check(orientation.setImageOrientationPatient(decimal(o[0]).c_str(), decimal(o[1]).c_str(),
                                                 decimal(o[2]).c_str(), decimal(o[3]).c_str(),
                                                 decimal(o[4]).c_str(), decimal(o[5]).c_str()),
          "image orientation");
    check(seg.addForAllFrames(orientation), "plane orientation");
}

/// Every frame is derived from the same source image (frame). The reference
/// goes in each frame's group: readers (highdicom) map frames to source
/// instances through the per-frame Derivation Image Sequence.
static std::unique_ptr<FGDerivationImage> derivationFrom(const SourceImage &source) {
    ImageSOPInstanceReferenceMacro *ref = nullptr;
    check(ImageSOPInstanceReferenceMacro::create(source.sopClass.c_str(), source.sopInstance.c_str(), ref), "source reference");
    std::unique_ptr<ImageSOPInstanceReferenceMacro> ownedRef(ref);
    OFVector<ImageSOPInstanceReferenceMacro> refs;
    refs.push_back(*ref);
    std::unique_ptr<FGDerivationImage> derivation(FGDerivationImage::createMinimal(
        refs, "Tessera information-density score and finest-token region",
        CodeSequenceMacro("113076", "DCM", "Segmentation"),
        CodeSequenceMacro("121322", "DCM", "Source image for image processing operation")));
    if (!derivation) throw Failure{"creating the derivation image reference"};
    return derivation;
}

/// The Referenced Series Sequence, from the header already read
/// (IODReferences::addFromFiles would parse the file again).
static void referenceSourceSeries(DcmSegmentation &seg, SourceImage &source) {
    IODReferences references;
    OFString patientID;
    source.dataset().findAndGetOFString(DCM_PatientID, patientID);  // type 2: may be empty
    std::unique_ptr<IODImageReference> reference(new IODImageReference(
        patientID, source.study.c_str(), source.series.c_str(), source.sopInstance.c_str(), source.sopClass.c_str()));
    if (!references.add(reference.get())) throw Failure{"cannot build the Referenced Series Sequence from the source"};
    reference.release();  // the reference set owns it now
    if (seg.getCommonInstanceReference().addReferences(references, source.study.c_str()) != 1)
        throw Failure{"cannot add the source to the Referenced Series Sequence"};
}

/// One frame per segment, indexed by segment number.
static void addSegmentFrames(DcmSegmentation &seg, const tdw_seg_request &r, FGDerivationImage &derivation) {
    IODMultiframeDimensionModule &dims = seg.getDimensions();
    const std::string organization = newUID(SITE_UID_ROOT);
    check(dims.addDimensionIndex(DCM_ReferencedSegmentNumber, organization.c_str(), DCM_SegmentIdentificationSequence,
                                 "Segment"),
          "dimension index");
    for (uint32_t i = 0; i < r.segmentCount; ++i) {
        const tdw_segment &s = r.segments[i];
        DcmSegment *segment = nullptr;
        check(DcmSegment::create(segment, s.label, CodeSequenceMacro("TD000", kScheme, "Image region"),
                                 CodeSequenceMacro(s.typeCode, kScheme, s.typeMeaning), DcmSegTypes::SAT_AUTOMATIC,
                                 r.algorithmName),
              "creating segment");
        std::unique_ptr<DcmSegment> owned(segment);
        check(segment->setSegmentDescription(s.description), "segment description");
        AlgorithmIdentificationMacro &algorithm = segment->getSegmentationAlgorithmIdentification();
        check(algorithm.getAlgorithmFamilyCode().set("TD100", kScheme, "Quadtree information-density scoring"),
              "algorithm family");
        check(algorithm.setAlgorithmVersion(r.algorithmVersion), "algorithm version");
        Uint16 number = 0;
        check(seg.addSegment(segment, number), "adding segment");
        owned.release();  // the segmentation owns it now

        FGSegmentation frameSegment;
        check(frameSegment.setReferencedSegmentNumber(number), "referenced segment");
        FGFrameContent frameContent;
        check(frameContent.setDimensionIndexValues(number, 0), "dimension index value");
        OFVector<FGBase *> perFrame;
        perFrame.push_back(&frameSegment);
        perFrame.push_back(&frameContent);
        perFrame.push_back(&derivation);
        std::vector<Uint8> pixels(s.values, s.values + size_t(r.rows) * r.columns);
        check(seg.addFrame(pixels.data(), number, perFrame), "adding frame");
    }
}

/// Without a frame of reference, General Image's Patient Orientation (type
/// 2C) is required: the source's when it is valid (two values of L, R, A, P,
/// H, F: film-digitised mammograms carry a view name such as "CC" there),
/// else empty.
static void copyPatientOrientation(DcmItem &src, DcmItem &out) {
    OFString orientation;
    if (src.findAndGetOFStringArray(DCM_PatientOrientation, orientation).good() && isPatientOrientation(orientation))
        check(out.putAndInsertOFStringArray(DCM_PatientOrientation, orientation), "patient orientation");
    else
        check(out.insertEmptyElement(DCM_PatientOrientation), "patient orientation");
}

void writeSegmentation(const tdw_seg_request &r) {
    SourceImage source(r.sourcePath);
    DcmDataset &src = source.dataset();
    std::unique_ptr<DcmSegmentation> seg = createSegmentation(r);
    check(seg->importFromSourceImage(src), "importing patient, study and frame of reference");
    const tdw_geometry &g = r.geometry;
    OFString frameOfReference;
    const bool located = g.hasSpacing && g.hasPosition && g.hasOrientation && g.hasThickness
        && src.findAndGetOFString(DCM_FrameOfReferenceUID, frameOfReference).good() && !frameOfReference.empty();
    if (!located) dropFrameOfReference(*seg);
    check(seg->getSeries().setSeriesDescription(r.seriesDescription), "series description");
    // One series per source series (the caller derives its UID), so a
    // heatmapped CT adds one SEG series to the study, not one per slice.
    check(seg->getSeries().setSeriesInstanceUID(r.seriesInstanceUID), "series instance UID");
    check(seg->getSeries().setSeriesNumber("900"), "series number");
    check(seg->getGeneralImage().setInstanceNumber(std::to_string(r.instanceNumber).c_str()), "instance number");
    if (located) addPlaneGeometry(*seg, g);
    std::unique_ptr<FGDerivationImage> derivation = derivationFrom(source);
    referenceSourceSeries(*seg, source);
    addSegmentFrames(*seg, r, *derivation);

    DcmFileFormat out;
    check(seg->writeDataset(*out.getDataset()), "building the segmentation dataset");
    addCodingScheme(*out.getDataset());
    completeSourceReferences(*out.getDataset(), r.sourceFrame);
    if (!located) copyPatientOrientation(src, *out.getDataset());
    check(out.saveFile(r.outputPath, EXS_LittleEndianExplicit), std::string("writing ") + r.outputPath);
}

void copyAttribute(DcmItem &from, DcmItem &to, const DcmTagKey &tag) {
    OFString value;
    if (from.findAndGetOFStringArray(tag, value).good()) {
        check(to.putAndInsertOFStringArray(tag, value), "copying attribute");
    } else {
        check(to.insertEmptyElement(tag), "empty attribute");  // type 2: present, empty
    }
}

void addReferenceItem(DcmItem &dataset, const DcmTagKey &sequence, const std::string &sopClass,
                      const std::string &sopInstance, uint32_t frame, bool withPurpose) {
    DcmItem *item = nullptr;
    check(dataset.findOrCreateSequenceItem(sequence, item, -2), "reference item");
    check(item->putAndInsertString(DCM_ReferencedSOPClassUID, sopClass.c_str()), "referenced SOP class");
    check(item->putAndInsertString(DCM_ReferencedSOPInstanceUID, sopInstance.c_str()), "referenced SOP instance");
    if (frame > 0) check(item->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(frame).c_str()), "frame");
    if (withPurpose) {
        DcmItem *code = nullptr;
        check(item->findOrCreateSequenceItem(DCM_PurposeOfReferenceCodeSequence, code, -2), "purpose item");
        check(code->putAndInsertString(DCM_CodeValue, "121322"), "purpose code");
        check(code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM"), "purpose scheme");
        check(code->putAndInsertString(DCM_CodeMeaning, "Source image for image processing operation"), "purpose meaning");
    }
}

void writeSecondaryCapture(const tdw_sc_request &r) {
    SourceImage source(r.sourcePath);
    DcmDataset &src = source.dataset();
    const std::string &sopClass = source.sopClass, &sopInstance = source.sopInstance;
    const std::string &study = source.study, &series = source.series;

    DcmFileFormat out;
    DcmDataset &ds = *out.getDataset();
    OFString charset;
    if (src.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset).good() && !charset.empty())
        check(ds.putAndInsertOFStringArray(DCM_SpecificCharacterSet, charset), "character set");
    // SOP Common
    check(ds.putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage), "SOP class");
    check(ds.putAndInsertString(DCM_SOPInstanceUID, newUID(SITE_INSTANCE_UID_ROOT).c_str()), "SOP instance");
    OFString date, time;
    DcmDate::getCurrentDate(date);
    DcmTime::getCurrentTime(time);
    check(ds.putAndInsertOFStringArray(DCM_InstanceCreationDate, date), "creation date");
    check(ds.putAndInsertOFStringArray(DCM_InstanceCreationTime, time), "creation time");
    // Patient and General Study: the source's, so PACS files it with its study.
    for (const DcmTagKey &tag : {DCM_PatientName, DCM_PatientID, DCM_PatientBirthDate, DCM_PatientSex, DCM_StudyDate,
                                 DCM_StudyTime, DCM_ReferringPhysicianName, DCM_StudyID, DCM_AccessionNumber})
        copyAttribute(src, ds, tag);
    check(ds.putAndInsertString(DCM_StudyInstanceUID, study.c_str()), "study");
    // General Series: a new series of derived images.
    check(ds.putAndInsertString(DCM_Modality, "OT"), "modality");
    check(ds.putAndInsertString(DCM_SeriesInstanceUID, r.seriesInstanceUID), "series");
    check(ds.putAndInsertString(DCM_SeriesNumber, "901"), "series number");
    check(ds.putAndInsertString(DCM_SeriesDescription, r.seriesDescription), "series description");
    check(ds.insertEmptyElement(DCM_Laterality), "laterality");
    // General Equipment, SC Equipment
    check(ds.putAndInsertString(DCM_Manufacturer, "Tessera"), "manufacturer");
    check(ds.putAndInsertString(DCM_SoftwareVersions, r.softwareVersion), "software versions");
    check(ds.putAndInsertString(DCM_ConversionType, "WSD"), "conversion type");
    // General Image
    check(ds.putAndInsertString(DCM_InstanceNumber, std::to_string(r.instanceNumber).c_str()), "instance number");
    check(ds.insertEmptyElement(DCM_PatientOrientation), "patient orientation");
    check(ds.putAndInsertOFStringArray(DCM_ContentDate, date), "content date");
    check(ds.putAndInsertOFStringArray(DCM_ContentTime, time), "content time");
    check(ds.putAndInsertString(DCM_ImageType, "DERIVED\\SECONDARY"), "image type");
    check(ds.putAndInsertString(DCM_DerivationDescription, r.derivationDescription), "derivation description");
    check(ds.putAndInsertString(DCM_BurnedInAnnotation, "NO"), "burned-in annotation");
    addReferenceItem(ds, DCM_SourceImageSequence, sopClass, sopInstance, r.sourceFrame, true);
    // Common Instance Reference: the source's series and instance.
    DcmItem *seriesItem = nullptr;
    check(ds.findOrCreateSequenceItem(DCM_ReferencedSeriesSequence, seriesItem, -2), "referenced series item");
    check(seriesItem->putAndInsertString(DCM_SeriesInstanceUID, series.c_str()), "referenced series");
    addReferenceItem(*seriesItem, DCM_ReferencedInstanceSequence, sopClass, sopInstance, 0, false);
    // Image Pixel
    check(ds.putAndInsertUint16(DCM_SamplesPerPixel, 3), "samples");
    check(ds.putAndInsertString(DCM_PhotometricInterpretation, "RGB"), "photometric");
    check(ds.putAndInsertUint16(DCM_PlanarConfiguration, 0), "planar configuration");
    check(ds.putAndInsertUint16(DCM_Rows, r.rows), "rows");
    check(ds.putAndInsertUint16(DCM_Columns, r.columns), "columns");
    check(ds.putAndInsertUint16(DCM_BitsAllocated, 8), "bits allocated");
    check(ds.putAndInsertUint16(DCM_BitsStored, 8), "bits stored");
    check(ds.putAndInsertUint16(DCM_HighBit, 7), "high bit");
    check(ds.putAndInsertUint16(DCM_PixelRepresentation, 0), "pixel representation");
    const unsigned long bytes = static_cast<unsigned long>(r.rows) * r.columns * 3;
    check(ds.putAndInsertUint8Array(DCM_PixelData, r.rgb, bytes), "pixel data");
    check(out.saveFile(r.outputPath, EXS_LittleEndianExplicit), std::string("writing ") + r.outputPath);
}

template <typename Request, typename Body>
int guarded(const Request *request, char *err, size_t errlen, Body body) {
    // DCMTK explains a rejected value only in its log: TESSERA_DCMTK_LOG=1
    // shows it on stderr. Configured once: writers run concurrently.
    static std::once_flag logOnce;
    std::call_once(logOnce, [] {
        if (const char *log = std::getenv("TESSERA_DCMTK_LOG"); log && *log == '1')
            OFLog::configure(OFLogger::WARN_LOG_LEVEL);
    });
    if (!request) {
        copyText(err, errlen, "no request");
        return -1;
    }
    try {
        body(*request);
        return 0;
    } catch (const Failure &f) {
        copyText(err, errlen, f.message);
    } catch (const std::exception &e) {
        copyText(err, errlen, e.what());
    } catch (...) {
        copyText(err, errlen, "unexpected C++ exception");
    }
    return -1;
}

}  // namespace

extern "C" int tdw_write_seg(const tdw_seg_request *request, char *err, size_t errlen) {
    return guarded(request, err, errlen, writeSegmentation);
}

extern "C" int tdw_write_sc(const tdw_sc_request *request, char *err, size_t errlen) {
    return guarded(request, err, errlen, writeSecondaryCapture);
}

