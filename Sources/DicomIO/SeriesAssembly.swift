import Foundation
import TesseraSupport

/// One image object placed in its series.
public struct SeriesInstance: Sendable, Codable {
    public var path: String
    public var sopInstanceUID: String?
    public var instanceNumber: Int?
    public var frames: Int
    /// Position along the slice normal, in mm (nil without geometry).
    public var location: Double?
}

/// Something about a series a user should know before trusting its geometry.
public enum SeriesFinding: Sendable, Equatable, CustomStringConvertible {
    case noGeometry
    case duplicatePosition(location: Double, paths: [String])
    case gap(afterIndex: Int, spacing: Double, expected: Double, missingSlices: Int)
    case unevenSpacing(runs: [SpacingRun])
    case gantryTilt(degrees: Double)
    case mixedOrientation(paths: [String])
    case mixedSize(sizes: [String])

    public var description: String {
        switch self {
        case .noGeometry:
            return "no Image Position/Orientation (Patient): ordered by InstanceNumber, spacing unknown"
        case .duplicatePosition(let z, let paths):
            return "duplicate slice position \(fmt(z)) mm: \(paths.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))"
        case .gap(let i, let s, let e, let n):
            return "gap after slice \(i): \(fmt(s)) mm where \(fmt(e)) mm expected (\(n) slice\(n == 1 ? "" : "s") missing)"
        case .unevenSpacing(let runs):
            return "uneven spacing: " + runs.map { "\(fmt($0.spacing)) mm × \($0.count) (slices \($0.firstIndex)–\($0.firstIndex + $0.count))" }.joined(separator: ", ")
        case .gantryTilt(let d): return "gantry tilt \(fmt(d))°: slices are sheared, not stacked along the normal"
        case .mixedOrientation(let p): return "\(p.count) instance(s) with a different orientation: \(p.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))"
        case .mixedSize(let s): return "mixed image sizes: \(s.joined(separator: ", "))"
        }
    }
}

/// A run of consecutive slice steps with the same spacing.
public struct SpacingRun: Sendable, Equatable, Codable {
    public var spacing: Double
    public var firstIndex: Int
    public var count: Int
}

private func fmt(_ v: Double) -> String { String(format: "%.2f", v) }

public struct AssembledSeries: Sendable {
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var modality: String?
    public var seriesDescription: String?
    public var rows: Int
    public var columns: Int
    public var pixelSpacing: [Double]?
    /// Sorted along the slice normal (never by InstanceNumber when geometry exists).
    public var instances: [SeriesInstance]
    /// Typical (median) spacing between slice centres along the normal, in mm.
    public var sliceSpacing: Double?
    public var findings: [SeriesFinding]
}

public struct AssemblyReport: Sendable {
    public var series: [AssembledSeries]
    /// Files that could not be read as DICOM, with the reason.
    public var failures: [DicomError]
    /// DICOM objects without pixel data (RTSTRUCT, SR, DICOMDIR…).
    public var nonImageObjects: [String]
    /// Files that are not DICOM at all (README, XML, NIfTI…), skipped.
    public var skipped: [String] = []
}

public enum SeriesAssembly {
    /// Reads the headers of every file below `root` (in parallel) and groups them.
    public static func assemble(root: String, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) async -> AssemblyReport {
        let candidates = FileScanner.files(under: root)
        let skipped = candidates.filter { FileSniffer.kind(of: $0) == .notDicom }
        let paths = candidates.filter { !skipped.contains($0) }
        let headers = await boundedConcurrentMap(paths, limit: jobs) { path -> Result<ImageHeader, DicomError> in
            do throws(DicomError) {
                return .success(try ImageHeader(file: DicomFile(path: path, headerOnly: true)))
            } catch {
                return .failure(error)
            }
        }
        var good: [ImageHeader] = []
        var failures: [DicomError] = []
        for h in headers {
            switch h {
            case .success(let header): good.append(header)
            case .failure(let error): failures.append(error)
            }
        }
        var report = assemble(headers: good, failures: failures)
        report.skipped = skipped
        return report
    }

    /// Pure grouping and ordering of already-read headers.
    public static func assemble(headers: [ImageHeader], failures: [DicomError] = []) -> AssemblyReport {
        var nonImage: [String] = []
        var groups: [String: [ImageHeader]] = [:]
        var order: [String] = []
        for h in headers {
            guard h.pixel != nil else { nonImage.append(h.path); continue }
            let key = (h.studyInstanceUID ?? "?") + "|" + (h.seriesInstanceUID ?? "?")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(h)
        }
        let series = order.map { assembleSeries(groups[$0]!) }
        return AssemblyReport(series: series, failures: failures, nonImageObjects: nonImage)
    }

    static func assembleSeries(_ members: [ImageHeader]) -> AssembledSeries {
        let first = members[0]
        var findings: [SeriesFinding] = []
        let sizes = Set(members.map { "\($0.pixel!.columns)x\($0.pixel!.rows)" })
        if sizes.count > 1 { findings.append(.mixedSize(sizes: sizes.sorted())) }

        let orientation = members.first(where: { $0.imageOrientation != nil })?.imageOrientation
        let normal = orientation.map { o in Geometry.cross(Array(o[0..<3]), Array(o[3..<6])) }
        if let orientation {
            let odd = members.filter { h in
                guard let o = h.imageOrientation else { return true }
                return zip(o, orientation).contains { abs($0 - $1) > 1e-4 }
            }
            if !odd.isEmpty { findings.append(.mixedOrientation(paths: odd.map(\.path))) }
        }
        var instances = members.map { h in
            SeriesInstance(path: h.path, sopInstanceUID: h.sopInstanceUID, instanceNumber: h.instanceNumber,
                           frames: h.frames,
                           location: normal.flatMap { n in h.position(frame: 0).map { Geometry.dot($0, n) } })
        }
        let hasGeometry = normal != nil && instances.allSatisfy { $0.location != nil }
        if hasGeometry {
            instances.sort { ($0.location!, $0.path) < ($1.location!, $1.path) }
        } else {
            if members.count > 1 { findings.append(.noGeometry) }
            instances.sort { ($0.instanceNumber ?? .max, $0.path) < ($1.instanceNumber ?? .max, $1.path) }
        }
        var spacing: Double?
        if hasGeometry && instances.count > 1 {
            let (median, geometryFindings) = analyseSpacing(instances)
            spacing = median
            findings += geometryFindings
            if let n = normal, let tilt = tiltDegrees(members: members, normal: n), tilt > 0.5 {
                findings.append(.gantryTilt(degrees: tilt))
            }
        }
        return AssembledSeries(
            studyInstanceUID: first.studyInstanceUID ?? "", seriesInstanceUID: first.seriesInstanceUID ?? "",
            modality: first.modality, seriesDescription: first.seriesDescription,
            rows: first.pixel!.rows, columns: first.pixel!.columns, pixelSpacing: first.pixelSpacing,
            instances: instances, sliceSpacing: spacing, findings: findings)
    }

    /// Duplicates, gaps and uneven spacing, reported as runs, not per slice.
    static func analyseSpacing(_ sorted: [SeriesInstance]) -> (Double?, [SeriesFinding]) {
        var findings: [SeriesFinding] = []
        var steps: [Double] = []
        var duplicates: [Double: [String]] = [:]
        for i in 1..<sorted.count {
            let step = sorted[i].location! - sorted[i - 1].location!
            if step < 1e-3 {
                duplicates[sorted[i].location!, default: [sorted[i - 1].path]].append(sorted[i].path)
            } else {
                steps.append(step)
            }
        }
        for (z, paths) in duplicates.sorted(by: { $0.key < $1.key }) {
            findings.append(.duplicatePosition(location: z, paths: paths))
        }
        guard !steps.isEmpty else { return (nil, findings) }
        let median = steps.sorted()[steps.count / 2]
        let tolerance = max(0.01 * median, 0.02)  // mm
        var runs: [SpacingRun] = []
        var uneven = false
        for (i, s) in steps.enumerated() {
            let ratio = s / median
            let multiple = ratio.rounded()
            if multiple >= 2 && abs(s - multiple * median) <= tolerance * multiple {
                findings.append(.gap(afterIndex: i, spacing: s, expected: median, missingSlices: Int(multiple) - 1))
                continue
            }
            if let last = runs.last, abs(last.spacing - s) <= tolerance {
                runs[runs.count - 1].count += 1
            } else {
                if !runs.isEmpty { uneven = true }
                runs.append(SpacingRun(spacing: s, firstIndex: i, count: 1))
            }
        }
        if uneven { findings.append(.unevenSpacing(runs: runs)) }
        return (median, findings)
    }

    /// Angle between the slice normal and the line through the slice centres
    /// (or Gantry/Detector Tilt when only one slice is available).
    static func tiltDegrees(members: [ImageHeader], normal: [Double]) -> Double? {
        let positioned = members.compactMap { h in h.position(frame: 0).map { (p: $0, d: Geometry.dot($0, normal)) } }
            .sorted { $0.d < $1.d }
        guard let a = positioned.first, let b = positioned.last, b.d - a.d > 1e-3 else {
            return members.first?.gantryTilt.map(abs)
        }
        let v = zip(b.p, a.p).map { $0 - $1 }
        let cosine = abs(Geometry.dot(v, normal)) / (sqrt(Geometry.dot(v, v)) * sqrt(Geometry.dot(normal, normal)))
        return acos(min(cosine, 1)) * 180 / .pi
    }
}

/// Patient-coordinate vector arithmetic (IPP, IOP, slice normals).
