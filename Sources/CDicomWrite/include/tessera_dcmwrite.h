// Writing derived DICOM objects (Segmentation, Secondary Capture) that
// reference a source image, as a plain C API over DCMTK's dcmseg/dcmiod.
// The shim copies the caller's values into DCMTK objects and saves them;
// what goes into the pixels is decided in Swift.
#ifndef TESSERA_DCMWRITE_H
#define TESSERA_DCMWRITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Where the derived image sits in the source's patient space. Fields left
/// unset (has* = 0) are omitted from the output.
typedef struct {
    int hasPosition;
    double position[3];       // Image Position (Patient) of the source frame
    int hasOrientation;
    double orientation[6];    // Image Orientation (Patient)
    int hasSpacing;
    double spacing[2];        // row, column spacing in mm
    int hasThickness;
    double sliceThickness;
} tdw_geometry;

/// One segment: `values` holds rows × columns bytes, 0…255 (255 =
/// probability 1) in a fractional segmentation, 0 or 1 in a binary one.
typedef struct {
    const char *label;        // Segment Label (LO)
    const char *description;  // Segment Description (ST)
    const char *typeCode;     // Segmented Property Type: code value …
    const char *typeMeaning;  // … and meaning (coding scheme 99TESSERA)
    const uint8_t *values;
} tdw_segment;

typedef struct {
    const char *sourcePath;   // the DICOM image the segmentation is derived from
    uint32_t sourceFrame;     // 1-based Referenced Frame Number (0: single-frame source)
    uint16_t rows;
    uint16_t columns;
    tdw_geometry geometry;
    const tdw_segment *segments;
    uint32_t segmentCount;
    int binary;               // 1: BINARY segmentation; 0: FRACTIONAL (PROBABILITY, max 255)
    const char *algorithmName;
    const char *algorithmVersion;
    const char *seriesDescription;
    const char *seriesInstanceUID;  // shared by every SEG of the source series
    uint32_t instanceNumber;
    const char *outputPath;
} tdw_seg_request;

typedef struct {
    const char *sourcePath;
    uint32_t sourceFrame;     // 1-based, 0 for single-frame sources
    uint16_t rows;
    uint16_t columns;
    const uint8_t *rgb;       // rows × columns × 3, interleaved
    const char *seriesDescription;
    const char *derivationDescription;
    const char *softwareVersion;
    const char *seriesInstanceUID;  // shared by every capture of the source series
    uint32_t instanceNumber;
    const char *outputPath;
} tdw_sc_request;

/// 0 on success; -1 with a message in err. The output file is written at
/// outputPath directly: callers pass a temporary name and rename it.
int tdw_write_seg(const tdw_seg_request *request, char *err, size_t errlen);
int tdw_write_sc(const tdw_sc_request *request, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
