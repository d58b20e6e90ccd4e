import Annotations
import ArgumentParser
import Batch
import DicomIO
import FileOutput
import Foundation

struct RoisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rois",
        abstract: "Convert annotations to tessera.rois/1 files, one per annotated image.",
        subcommands: [FromLIDCCommand.self]
    )
}

struct FromLIDCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "from-lidc",
        abstract: "LIDC-IDRI reader XML → one ROI file per annotated slice.",
        discussion: """
            Every reader's contour of a nodule becomes a mask ROI on its slice (holes marked \
            inclusion=FALSE removed, the drawn boundary pixels included); nodules under 3 mm, \
            which LIDC marks with a single point, become 3 mm discs (--no-points to leave \
            them out). Slices are matched by SOP Instance UID to the DICOM files in --series.

              tessera rois from-lidc 069.xml --series lidc-idri-0001/dicom --output rois/
            """
    )

    @Argument(help: "LIDC XML file.")
    var xml: String

    @Option(help: "Folder with the series' DICOM files.")
    var series: String

    @Option(name: .shortAndLong, help: "Output folder; files are named <SOPInstanceUID>.rois.json.")
    var output: String

    @Flag(help: "Leave out sub-3 mm nodules (single-point marks).")
    var noPoints = false

    func run() async throws {
        let outlines = try LIDCAnnotations.read(path: xml)
        let report = await SeriesAssembly.assemble(root: series)
        var written = 0
        for s in report.series {
            for instance in s.instances {
                guard let uid = instance.sopInstanceUID, outlines.contains(where: { $0.sopInstanceUID == uid }) else { continue }
                let spacing = s.pixelSpacing.map { ($0[0] + $0[1]) / 2 } ?? 1
                let rois = LIDCAnnotations.rois(outlines, sopInstanceUID: uid, rows: s.rows, columns: s.columns,
                                                pixelSpacingMM: spacing, includePoints: !noPoints)
                guard !rois.isEmpty else { continue }
                let set = ROISet(image: .init(path: instance.path, sopInstanceUID: uid, frame: 0, rows: s.rows, columns: s.columns),
                                 rois: rois)
                try AtomicWrite.write(Array((try encodeJSON(set)).utf8), to: output + "/\(uid).rois.json")
                written += 1
            }
        }
        print("\(written) ROI file(s) from \(outlines.count) outline(s) in \(xml) → \(output)")
    }
}
