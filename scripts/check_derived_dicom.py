#!/usr/bin/env python3
"""Cross-checks Tessera's derived DICOM objects with pydicom and highdicom.

  check_derived_dicom.py --source SRC [--frame N] [--seg SEG --score-sum S] [--seg-binary SEG]
                         [--finest-count F] [--sc SC]

SEG: read by highdicom; FRACTIONAL/PROBABILITY with segments "Density score"
and "Finest tokens"; same Study, Frame of Reference (when the source has one
and its geometry), Referenced Series/Instance and source frame; pixel sums
equal to what Tessera computed. Binary SEG: BINARY, one segment "Finest
tokens" with the same pixels, the same references. SC: read by pydicom; same study and patient,
new series, Source Image Sequence pointing at the source (and frame).
Exits 1 with the first mismatch.
"""
import argparse
import sys

import numpy as np
import pydicom


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def expect(condition, message):
    if not condition:
        fail(message)


def check_seg(path, source, frame, score_sum, finest_count, binary=False):
    import highdicom as hd

    seg = hd.seg.segread(path)
    labels = [s.SegmentLabel for s in seg.SegmentSequence]
    if binary:
        expect(seg.SegmentationType == "BINARY", f"SegmentationType {seg.SegmentationType}")
        expect(labels == ["Finest tokens"], f"segments {labels}")
    else:
        expect(seg.SegmentationType == "FRACTIONAL", f"SegmentationType {seg.SegmentationType}")
        expect(seg.SegmentationFractionalType == "PROBABILITY", "fractional type")
        expect(labels == ["Density score", "Finest tokens"], f"segments {labels}")
    expect(seg.StudyInstanceUID == source.StudyInstanceUID, "study")
    expect(seg.SeriesInstanceUID != source.SeriesInstanceUID, "SEG must be a new series")
    expect(seg.SOPInstanceUID != source.SOPInstanceUID, "new SOP instance")
    expect(seg.PatientID == source.get("PatientID", ""), "patient")
    located = "FrameOfReferenceUID" in source and "ImagePositionPatient" in source
    if located:
        expect(seg.FrameOfReferenceUID == source.FrameOfReferenceUID, "frame of reference")
        position = seg.SharedFunctionalGroupsSequence[0].PlanePositionSequence[0].ImagePositionPatient
        expect(np.allclose([float(v) for v in position], [float(v) for v in source.ImagePositionPatient], atol=1e-4),
               f"plane position {position} vs {source.ImagePositionPatient}")
    series = seg.ReferencedSeriesSequence[0]
    expect(series.SeriesInstanceUID == source.SeriesInstanceUID, "referenced series")
    expect(series.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID == source.SOPInstanceUID, "referenced instance")
    frames = int(source.get("NumberOfFrames", 1))
    for item in seg.PerFrameFunctionalGroupsSequence:
        ref = item.DerivationImageSequence[0].SourceImageSequence[0]
        expect(ref.ReferencedSOPInstanceUID == source.SOPInstanceUID, "source image reference")
        if frames > 1:
            expect(int(ref.ReferencedFrameNumber) == frame + 1, f"referenced frame {ref.get('ReferencedFrameNumber')}")
    if frames > 1:
        pixels = seg.get_pixels_by_source_frame(source_sop_instance_uid=source.SOPInstanceUID,
                                                source_frame_numbers=[frame + 1], combine_segments=False,
                                                rescale_fractional=False)
    else:
        pixels = seg.get_pixels_by_source_instance(source_sop_instance_uids=[source.SOPInstanceUID],
                                                   combine_segments=False, rescale_fractional=False)
    if binary:
        expect(pixels.shape == (1, source.Rows, source.Columns, 1), f"pixel shape {pixels.shape}")
        expect(int(pixels.sum()) == finest_count, f"binary segment pixels {int(pixels.sum())}, Tessera wrote {finest_count}")
        return
    expect(pixels.shape == (1, source.Rows, source.Columns, 2), f"pixel shape {pixels.shape}")
    got_sum, got_count = int(pixels[..., 0].astype(np.int64).sum()), int((pixels[..., 1] == 255).sum())
    expect(got_sum == score_sum, f"score segment sum {got_sum}, Tessera wrote {score_sum}")
    expect(got_count == finest_count, f"finest segment pixels {got_count}, Tessera wrote {finest_count}")
    expect(set(np.unique(pixels[..., 1])) <= {0, 255}, "finest segment is 0 or 255 only")


def check_sc(path, source, frame):
    sc = pydicom.dcmread(path)
    expect(sc.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7", "Secondary Capture SOP class")
    expect(sc.StudyInstanceUID == source.StudyInstanceUID, "study")
    expect(sc.SeriesInstanceUID != source.SeriesInstanceUID, "new series")
    expect(sc.PatientID == source.get("PatientID", ""), "patient")
    ref = sc.SourceImageSequence[0]
    expect(ref.ReferencedSOPInstanceUID == source.SOPInstanceUID, "source image")
    if int(source.get("NumberOfFrames", 1)) > 1:
        expect(int(ref.ReferencedFrameNumber) == frame + 1, "source frame")
    expect(sc.ReferencedSeriesSequence[0].SeriesInstanceUID == source.SeriesInstanceUID, "referenced series")
    rgb = sc.pixel_array
    expect(rgb.ndim == 3 and rgb.shape[2] == 3 and rgb.shape[1] == sc.Columns, f"RGB pixels {rgb.shape}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--frame", type=int, default=0)
    parser.add_argument("--seg")
    parser.add_argument("--seg-binary")
    parser.add_argument("--score-sum", type=int)
    parser.add_argument("--finest-count", type=int)
    parser.add_argument("--sc")
    args = parser.parse_args()
    source = pydicom.dcmread(args.source, stop_before_pixels=True)
    if args.seg:
        check_seg(args.seg, source, args.frame, args.score_sum, args.finest_count)
    if args.seg_binary:
        check_seg(args.seg_binary, source, args.frame, None, args.finest_count, binary=True)
    if args.sc:
        check_sc(args.sc, source, args.frame)
    print("ok")


if __name__ == "__main__":
    main()
