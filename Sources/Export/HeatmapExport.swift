import Annotations
import DicomIO
import Imaging
import Tiling

/// Which heatmap files to write for one frame (nil: not wanted).
public struct HeatmapOutputs: Sendable {
    public var png: String?
    public var segmentation: String?
    /// A BINARY SEG of the finest-token region alone.
    public var binarySegmentation: String?
    public var secondaryCapture: String?

    public init(png: String? = nil, segmentation: String? = nil, binarySegmentation: String? = nil,
                secondaryCapture: String? = nil) {
        self.png = png; self.segmentation = segmentation; self.binarySegmentation = binarySegmentation
        self.secondaryCapture = secondaryCapture
    }

    var dicom: [String] { [segmentation, binarySegmentation, secondaryCapture].compactMap { $0 } }
}

/// Renders one tokenized frame and writes the requested heatmap files.
public enum HeatmapExport {
    @discardableResult
    /// `coverage`: the ROIs' coverage when the caller already has it.
    /// Everything a DICOM output needs is checked before any file is written.
    public static func write(_ tokenized: TokenizedImage, plane: ImagePlane, source: ImageHeader?, frame: Int,
                             profileName: String, rois: [ROI], coverage known: [CoverageResult]? = nil,
                             options: HeatmapOptions, outputs: HeatmapOutputs) throws -> (heatmap: Heatmap, coverage: [CoverageResult]) {
        let wantsDICOM = !outputs.dicom.isEmpty
        if wantsDICOM {
            guard let source else {
                throw ExportError.needsDICOMSource(path: tokenized.map.source.path, output: outputs.dicom[0])
            }
            try DerivedIdentity.requireReferences(source)
        }
        let coverage = known ?? Coverage.evaluate(tokenized.map, rois: rois)
        let window = source?.voiWindow
        let content = HeatmapContent(plane: plane, scored: tokenized.scored, map: tokenized.map, profileName: profileName,
                                     rois: rois, coverage: coverage, headerWindow: window)
        let heatmap = try HeatmapRenderer.render(content, options: options)
        if let png = outputs.png { try HeatmapWriter.writePNG(heatmap.canvas, to: png) }
        if wantsDICOM, let source {
            if outputs.segmentation != nil || outputs.binarySegmentation != nil {
                let planes = SegmentationPlanes.make(scored: tokenized.scored, map: tokenized.map)
                if let seg = outputs.segmentation {
                    try HeatmapWriter.writeSegmentation(source: source, frame: frame, planes: planes, profileName: profileName,
                                                        to: seg)
                }
                if let seg = outputs.binarySegmentation {
                    try HeatmapWriter.writeSegmentation(source: source, frame: frame, planes: planes, profileName: profileName,
                                                        kind: .binary, to: seg)
                }
            }
            if let sc = outputs.secondaryCapture {
                try HeatmapWriter.writeSecondaryCapture(source: source, frame: frame, canvas: heatmap.canvas,
                                                        profileName: profileName, to: sc)
            }
        }
        return (heatmap, coverage)
    }
}
