import Foundation
import TesseraSupport
import Testing
import TestSupport
@testable import DicomIO

@Suite struct SeriesAssemblyTests {
    static func headers(_ folder: String) throws -> [ImageHeader] {
        try FileScanner.files(under: folder).filter { $0.hasSuffix(".dcm") }.map { path in
            try ImageHeader(file: DicomFile(path: path, headerOnly: true))
        }
    }

    static let lidc = TestData.shared + "/ct/lidc-idri-0001/dicom"
    static let tilt = TestData.shared + "/ct/gantry-tilt-head"
    /// The 17 contiguous LIDC slices in SampleStudies (any corpus).
    static let lidcSubset = TestData.samples + "/ct/lidc-idri-0001"

    @Test(.enabled(if: Reference.has("ct/lidc-idri-0001/dicom"), "needs ../shared/data/ct/lidc-idri-0001 (the whole 133-slice series, 68 MB)"))
    func lidcSeriesIsOrderedAlongTheNormalWithUniformSpacing() async throws {
        let report = await SeriesAssembly.assemble(root: Self.lidc)
        #expect(report.failures.isEmpty)
        let series = try #require(report.series.first)
        #expect(report.series.count == 1)
        #expect(series.instances.count == 133)
        let z = series.instances.map { $0.location! }
        #expect(z == z.sorted())
        #expect(abs(z.first! - -340) < 0.01 && abs(z.last! - -10) < 0.01, "z from -340 to -10 mm")
        #expect(abs(try #require(series.sliceSpacing) - 2.5) < 1e-6)
        #expect(series.findings.isEmpty, "\(series.findings)")
    }

    @Test func sampleSubsetIsOrderedByPositionNotByFileNameOrInstanceNumber() async throws {
        let report = await SeriesAssembly.assemble(root: TestData.samples + "/ct")
        let series = try #require(report.series.first)
        #expect(report.skipped.map { ($0 as NSString).lastPathComponent } == ["069.xml"])
        #expect(series.instances.count == 17)
        let z = series.instances.map { $0.location! }
        for (a, b) in zip(z, z.dropFirst()) { #expect(abs(b - a - 2.5) < 1e-6) }
        let names = series.instances.map { ($0.path as NSString).lastPathComponent }
        #expect(names != names.sorted(), "file names are deliberately out of z order")
    }

    @Test func shuffledInputGivesTheSameOrder() throws {
        let headers = try Self.headers(Self.lidcSubset)
        let reference = SeriesAssembly.assemble(headers: headers).series[0].instances.map(\.path)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<3 {
            let shuffled = headers.shuffled(using: &generator)
            #expect(SeriesAssembly.assemble(headers: shuffled).series[0].instances.map(\.path) == reference)
        }
    }

    @Test func duplicatedSliceIsReported() throws {
        var headers = try Self.headers(Self.lidcSubset)
        var copy = headers[10]
        copy.path = "/copies/duplicate.dcm"
        headers.append(copy)
        let series = SeriesAssembly.assemble(headers: headers).series[0]
        let duplicates = series.findings.compactMap { f -> [String]? in
            if case .duplicatePosition(_, let paths) = f { return paths } else { return nil }
        }
        #expect(duplicates.count == 1)
        #expect(Set(duplicates[0]) == [headers[10].path, "/copies/duplicate.dcm"])
        #expect(!series.findings.contains { if case .gap = $0 { return true } else { return false } })
    }

    @Test func removedSliceIsReportedAsAGap() throws {
        let headers = try Self.headers(Self.lidcSubset)
        let sorted = SeriesAssembly.assemble(headers: headers).series[0].instances
        #expect(sorted.count == 17)
        let removed = sorted[9].path
        let series = SeriesAssembly.assemble(headers: headers.filter { $0.path != removed }).series[0]
        #expect(series.instances.count == 16)
        #expect(series.findings.count == 1, "\(series.findings)")
        guard case .gap(let index, let spacing, let expected, let missing) = series.findings.first else {
            Issue.record("no gap reported: \(series.findings)"); return
        }
        #expect(index == 8 && missing == 1)
        #expect(abs(spacing - 5) < 1e-6 && abs(expected - 2.5) < 1e-6)
    }

    @Test(.enabled(if: Reference.has("ct/gantry-tilt-head"), "needs ../shared/data/ct/gantry-tilt-head (28 tilted head slices, 15 MB)"))
    func gantryTiltAndSpacingChangeAreReported() async throws {
        let report = await SeriesAssembly.assemble(root: Self.tilt)
        let series = try #require(report.series.first)
        #expect(series.instances.count == 28)
        let z = series.instances.map { $0.location! }
        #expect(z == z.sorted())
        var tilt: Double?
        var runs: [SpacingRun] = []
        for f in series.findings {
            if case .gantryTilt(let d) = f { tilt = d }
            if case .unevenSpacing(let r) = f { runs = r }
        }
        #expect(abs(try #require(tilt) - 18.5) < 0.1)
        #expect(abs(runs.first!.spacing - 4) < 0.05 && abs(runs.last!.spacing - 7) < 0.05, "\(runs)")
        #expect(runs.count <= 4, "spacing reported as runs, not per slice")
        #expect(report.skipped.count == 2, "LICENSE and PROVENANCE are skipped, not failures")
        #expect(report.failures.isEmpty)
    }
}

/// The folder scan: recursive, sorted, absolute, hidden files skipped, links
/// to files listed, links to folders not followed.
@Suite struct FileScannerTests {
    @Test func scanRules() throws {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("tessera-scan-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: root) }
        for dir in ["a/b", ".hidden", "c"] { try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true) }
        for file in ["z.dcm", "a/one.dcm", "a/b/two.dcm", ".hidden/no.dcm", "a/.dotfile", "c/three"] {
            try Data("x".utf8).write(to: root.appendingPathComponent(file))
        }
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("link.dcm").path, withDestinationPath: root.appendingPathComponent("z.dcm").path)
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("c/loop").path, withDestinationPath: root.path)
        let files = FileScanner.files(under: root.path)
        #expect(files == ["a/b/two.dcm", "a/one.dcm", "c/three", "link.dcm", "z.dcm"].map { root.path + "/" + $0 })
        // A relative root gives absolute paths.
        let cwd = fm.currentDirectoryPath
        defer { fm.changeCurrentDirectoryPath(cwd) }
        fm.changeCurrentDirectoryPath(root.path)
        #expect(FileScanner.files(under: "a").allSatisfy { $0.hasPrefix("/") && $0.hasSuffix(".dcm") })
        #expect(FileScanner.files(under: "a").count == 2)
    }
}
