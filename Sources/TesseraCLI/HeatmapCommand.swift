import Annotations
import ArgumentParser
import DicomIO
import Export
import Foundation
import Imaging
import Scoring
import Tiling

struct HeatmapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heatmap",
        abstract: "Show where the tokens went and why: a PNG overlay, a DICOM SEG and a Secondary Capture.",
        discussion: """
            Tokenizes one frame as `tessera tokenize` does and draws, over the windowed image: \
            the density score as a colormap (more opaque where higher; background untinted), \
            the token borders coloured by size, and ROI outlines — resolved ROIs in green, \
            skipped ROIs (not entirely in finest tokens) in magenta and listed by id in the \
            legend strip under the image. The PNG holds no patient text.

            --dicom-seg writes a Segmentation (fractional, PROBABILITY) with two segments: the \
            density score and the finest-token region (values 0 or 1). --dicom-sc writes the PNG's \
            picture as a Secondary Capture for viewers that do not render SEG. Both join the \
            source's study, carry its Frame of Reference, reference the source instance and \
            frame, and get new UIDs. --dicom-seg-binary writes the finest-token region alone as a \
            BINARY Segmentation, for tools that take binary masks only.

            Windows: lung (C −600 W 1500), mediastinum (50/350), bone (400/1800), brain (40/80), \
            abdomen (60/400) in HU for CT; auto = the header's window for CT, the 0.5–99.5th \
            percentiles for radiographs and photographs; or C,W. MONOCHROME1 is shown inverted.

            Examples:
              tessera heatmap SampleStudies/ct/lidc-idri-0001/000071.dcm --window lung \\
                  --rois SampleStudies/ct/lidc-idri-0001/069.xml --output nodule.png
              tessera heatmap chest.dcm --profile xray --max-size 1024 --output chest.png \\
                  --dicom-seg chest.seg.dcm --dicom-sc chest.sc.dcm
            """
    )

    @Argument(help: "DICOM file, PNG or JPEG.")
    var input: String

    @Option(name: .shortAndLong, help: "PNG to write.")
    var output: String

    @Option(help: "Frame to show (0-based).")
    var frame = 0

    @Option(help: ArgumentHelp("Annotations to outline (repeatable).", discussion: """
        tessera.rois/1 JSON, LIDC XML, PNG label mask, or a DICOM RTSTRUCT / SEG; only ROIs on \
        this frame are drawn.
        """))
    var rois: [String] = []

    @Option(parsing: .unconditional,
            help: "Display window: lung, mediastinum, bone, brain, abdomen, auto, or C,W (C may be negative: --window -600,1500).")
    var window = DisplayWindow.auto

    @Option(help: "Layers over the image: score, tokens or both.")
    var overlay = OverlayMode.both

    @Option(help: "Score colormap: viridis or inferno.")
    var colormap = Colormap.viridis

    @Option(help: "Downscale so the longest side is at most this many pixels (default: full resolution).")
    var maxSize: Int?

    @Option(help: "Also write a DICOM Segmentation (score and finest-token segments).")
    var dicomSeg: String?

    @Option(help: "Also write a BINARY DICOM Segmentation of the finest-token region alone.")
    var dicomSegBinary: String?

    @Option(help: "Also write a DICOM Secondary Capture of the heatmap.")
    var dicomSc: String?

    @OptionGroup var profile: ProfileOptions

    @OptionGroup var tiling: TilingOptions

    func validate() throws {
        if let maxSize, maxSize < 16 { throw ValidationError("--max-size must be at least 16") }
        guard frame >= 0 else { throw ValidationError("--frame must be 0 or more") }
    }

    func run() throws {
        let loader = try ImageLoader(path: input)
        guard frame < loader.frames else { throw DicomError.frameOutOfRange(path: input, frame: frame, frames: loader.frames) }
        let outputs = HeatmapOutputs(png: output, segmentation: dicomSeg, binarySegmentation: dicomSegBinary,
                                     secondaryCapture: dicomSc)
        let profile = try self.profile.load(for: loader.domain)
        let plane = try loader.plane(frame: frame)
        var rois: [ROI] = []
        for path in self.rois { rois += try ROISources.load(path, image: loader, frame: frame, plane: plane) }
        let tokenized = Tokenizer.tokenize(plane, source: loader.source(frame: frame), domain: loader.domain,
                                           profile: profile, basePatch: tiling.basePatch, budget: tiling.budget)
        let options = HeatmapOptions(window: window, overlay: overlay, colormap: colormap,
                                     maxSize: maxSize)
        let (heatmap, coverage) = try HeatmapExport.write(
            tokenized, plane: plane, source: loader.dicomHeader, frame: frame, profileName: profile.profile.name,
            rois: rois, options: options, outputs: outputs)
        let skipped = coverage.filter { !$0.resolved }
        var line = "\(output): \(heatmap.canvas.width)×\(heatmap.canvas.height), window \(heatmap.window.name) "
            + String(format: "C%.1f W%.1f", heatmap.window.center, heatmap.window.width) + ", \(tokenized.map.stats.tokenCount) tokens"
        if !rois.isEmpty { line += ", ROIs resolved \(coverage.count - skipped.count)/\(coverage.count)" }
        if !skipped.isEmpty { line += " (skipped: " + skipped.map(\.id).joined(separator: ", ") + ")" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

