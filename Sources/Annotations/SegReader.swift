import DicomIO

/// DICOM SEG → ROIs, one per segment and referenced source frame: binary
/// frames as they are, fractional frames at 50% of their maximum.
public enum SegReader {
    static let segmentSequence = TagPath(0x0062, 0x0002, "SegmentSequence")
    static let segmentNumber = TagPath(0x0062, 0x0004, "SegmentNumber")
    static let segmentLabel = TagPath(0x0062, 0x0005, "SegmentLabel")
    static let segmentationType = TagPath(0x0062, 0x0001, "SegmentationType")
    static let maximumFractionalValue = TagPath(0x0062, 0x000E, "MaximumFractionalValue")
    static let segmentIdentification = TagPath(0x0062, 0x000A, "SegmentIdentificationSequence")
    static let referencedSegmentNumber = TagPath(0x0062, 0x000B, "ReferencedSegmentNumber")
    static let sourceImageSequence = TagPath(0x0008, 0x2112, "SourceImageSequence")
    static let referencedSOPInstanceUID = TagPath(0x0008, 0x1155, "ReferencedSOPInstanceUID")
    static let referencedFrameNumber = TagPath(0x0008, 0x1160, "ReferencedFrameNumber")

    /// An ROI and the source image frame it lies on.
    public struct FrameROI: Sendable {
        public var sourceSOPInstanceUID: String?
        /// 0-based frame of the source image.
        public var sourceFrame: Int
        /// Image Position (Patient) of the SEG frame, for plane matching.
        public var position: [Double]?
        public var segFrame: Int
        public var roi: ROI
    }

    public static func read(path: String) throws -> [FrameROI] {
        let file = try DicomFile(path: path)
        let modality = file.string(.modality) ?? "?"
        guard modality == "SEG" else { throw ROISourceError.wrongKind(path: path, expected: "SEG", found: modality) }
        var labels: [Int: String] = [:]
        for i in 0..<file.itemCount(segmentSequence) {
            if let n = try file.int(segmentSequence.item(i, segmentNumber)) {
                labels[n] = file.string(segmentSequence.item(i, segmentLabel)) ?? "segment \(n)"
            }
        }
        let fractional = file.string(segmentationType) == "FRACTIONAL"
        let maxFraction = try file.double(maximumFractionalValue) ?? 255
        let image = try DicomImage(file: file)
        var out: [FrameROI] = []
        let perFrame = TagPath.perFrameFunctionalGroups
        for f in 0..<image.frames {
            let item = { (t: TagPath) in perFrame.item(f, t) }
            let segment = try file.int(item(segmentIdentification.item(0, referencedSegmentNumber)))
                ?? file.int(TagPath.sharedFunctionalGroups.item(0, segmentIdentification.item(0, referencedSegmentNumber))) ?? 1
            let source = item(TagPath.derivationImage.item(0, sourceImageSequence.item(0, referencedSOPInstanceUID)))
            let sourceFrame = try file.int(item(TagPath.derivationImage.item(0, sourceImageSequence.item(0, referencedFrameNumber)))) ?? 1
            let values = try image.storedFrame(f).values
            let cut = fractional ? Int32((maxFraction / 2).rounded(.up)) : 1
            let pixels = values.indices.filter { values[$0] >= cut }
            guard !pixels.isEmpty else { continue }
            let roi = ROI.fromPixels(id: "segment\(segment)-frame\(f)", label: labels[segment], pixels: pixels,
                                     columns: image.format.columns)
            out.append(FrameROI(sourceSOPInstanceUID: file.string(source), sourceFrame: max(sourceFrame - 1, 0),
                                position: image.header.position(frame: f), segFrame: f, roi: roi))
        }
        return out
    }
}
