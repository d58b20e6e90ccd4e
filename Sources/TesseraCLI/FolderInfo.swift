import DicomIO
import Foundation

/// `tessera info FOLDER`: the series found and what assembly noticed.
struct FolderInfo: Encodable {
    struct Series: Encodable {
        var studyInstanceUID: String
        var seriesInstanceUID: String
        var modality: String?
        var description: String?
        var size: String
        var pixelSpacingMM: [Double]?
        var instances: Int
        var frames: Int
        var sliceSpacingMM: Double?
        var findings: [String]
        var order: [SeriesInstance]
    }
    var series: [Series]
    var failures: [String]
    var nonImageObjects: [String]
    var skippedNotDicom: [String]

    init(_ report: AssemblyReport) {
        series = report.series.map { s in
            Series(studyInstanceUID: s.studyInstanceUID, seriesInstanceUID: s.seriesInstanceUID,
                   modality: s.modality, description: s.seriesDescription, size: "\(s.columns)x\(s.rows)",
                   pixelSpacingMM: s.pixelSpacing, instances: s.instances.count,
                   frames: s.instances.reduce(0) { $0 + $1.frames }, sliceSpacingMM: s.sliceSpacing,
                   findings: s.findings.map(\.description), order: s.instances)
        }
        failures = report.failures.map(\.description)
        nonImageObjects = report.nonImageObjects
        skippedNotDicom = report.skipped
    }

    static func text(_ report: AssemblyReport) -> String {
        var lines: [String] = []
        let studies = Dictionary(grouping: report.series, by: \.studyInstanceUID)
        lines.append("\(studies.count) stud\(studies.count == 1 ? "y" : "ies"), \(report.series.count) series")
        for (study, series) in studies.sorted(by: { $0.key < $1.key }) {
            lines.append("study \(study)")
            for s in series {
                let frames = s.instances.reduce(0) { $0 + $1.frames }
                var line = "  series \(s.seriesInstanceUID) [\(s.modality ?? "?")] \(s.columns)x\(s.rows), \(s.instances.count) instance(s), \(frames) frame(s)"
                if let sp = s.sliceSpacing { line += String(format: ", slice spacing %.2f mm", sp) }
                if let d = s.seriesDescription, !d.isEmpty { line += " — \(d)" }
                lines.append(line)
                for f in s.findings { lines.append("    ! \(f)") }
            }
        }
        if !report.nonImageObjects.isEmpty { lines.append("\(report.nonImageObjects.count) non-image object(s) (no pixel data)") }
        if !report.skipped.isEmpty { lines.append("\(report.skipped.count) file(s) skipped: not DICOM") }
        for f in report.failures { lines.append("unreadable: \(f)") }
        return lines.joined(separator: "\n")
    }
}
