import Foundation
import Testing
import TestSupport

/// Restructuring must not change what Tessera writes. Digests of a fixed set
/// of outputs are kept in Tests/Golden; these tests make them again and
/// compare byte for byte:
/// - every token map of a batch over SampleStudies (44 frames, every modality
///   and transfer-syntax family bundled);
/// - a heatmap of the LIDC nodule slice with its ROIs: the PNG, and the
///   stored values of its DICOM SEG (score and finest-token segments) and the
///   RGB means of its Secondary Capture (their UIDs and dates are new on every run);
/// - each Validation suite's test-split report, against the report-test.json
///   committed beside it (suites whose images are in ../shared/data run when
///   it is present).
/// After a deliberate output change, `TESSERA_UPDATE_GOLDEN=1 swift test
/// --filter GoldenOutputTests` rewrites the digests; the commit says why.
@Suite(.serialized) struct GoldenOutputTests {
    static let golden = Reference.repo.appendingPathComponent("Tests/Golden")
    static let updating = ProcessInfo.processInfo.environment["TESSERA_UPDATE_GOLDEN"] == "1"

    static func sha256(_ url: URL) throws -> String {
        let r = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["sha256sum", url.path])
        return String(r.stdout.prefix(64))
    }

    /// "digest  name" lines, as sha256sum writes them.
    static func compare(_ digests: [String: String], with file: String) throws {
        let url = golden.appendingPathComponent(file)
        let text = digests.sorted { $0.key < $1.key }.map { "\($0.value)  \($0.key)" }.joined(separator: "\n") + "\n"
        if updating { try text.write(to: url, atomically: true, encoding: .utf8); return }
        var expected: [String: String] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            expected[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
        }
        #expect(Set(digests.keys) == Set(expected.keys), "outputs differ: \(Set(digests.keys).symmetricDifference(expected.keys).sorted())")
        for (name, digest) in digests.sorted(by: { $0.key < $1.key }) where expected[name] != nil {
            #expect(digest == expected[name], "\(name) changed")
        }
    }

    @Test func tokenMapsOfTheSampleStudiesAreUnchanged() throws {
        let out = try Reference.scratch("golden-batch")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["batch", Reference.samples, "--output", out.path, "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        // A token map names its source by absolute path: the clone's location
        // is taken out before hashing ("<repo>/SampleStudies/…").
        let normalized = out.appendingPathComponent("normalized.json")
        var digests: [String: String] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: out.path)! where relative.hasSuffix(".tokens.json") {
            let text = try String(contentsOf: out.appendingPathComponent(relative), encoding: .utf8)
            try text.replacingOccurrences(of: Reference.repo.path + "/", with: "<repo>/").write(to: normalized, atomically: true, encoding: .utf8)
            digests[relative] = try Self.sha256(normalized)
        }
        #expect(digests.count == 44)
        try Self.compare(digests, with: "sample-studies.tokens.sha256")
    }

    @Test func heatmapAndDerivedObjectsAreUnchanged() throws {
        let out = try Reference.scratch("golden-heatmap")
        defer { try? FileManager.default.removeItem(at: out) }
        let slice = Reference.samples + "/ct/lidc-idri-0001/000071.dcm"
        let png = out.appendingPathComponent("h.png"), seg = out.appendingPathComponent("h.seg.dcm"),
            sc = out.appendingPathComponent("h.sc.dcm")
        let r = try CLI.run(["heatmap", slice, "--rois", Reference.samples + "/ct/lidc-idri-0001/069.xml",
                             "--output", png.path, "--dicom-seg", seg.path, "--dicom-sc", sc.path])
        #expect(r.status == 0, "\(r.stderr)")
        var digests = ["heatmap.png": try Self.sha256(png)]
        func info(_ url: URL) throws -> [String: Any] {
            let r = try CLI.run(["info", "--json", "--checksum", url.path])
            return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        }
        digests["seg.storedValues"] = try #require((info(seg)["storedValues"] as? [String: Any])?["sha256_int32le"] as? String)
        // Colour objects have no stored-value digest (as in pydicom's reference): their RGB means stand in.
        let means = try #require(info(sc)["channelMeans"] as? [Double])
        digests["sc.channelMeans"] = means.map { String(format: "%.9f", $0) }.joined(separator: ",")
        try Self.compare(digests, with: "heatmap-lidc-000071.sha256")
    }

    /// The suite whose images are all in the repo (SampleStudies/mg).
    @Test(arguments: ["mammography"])
    func validationReportIsUnchanged(suite: String) throws { try Self.checkReport(suite) }

    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: these suites name their images by paths into it"),
          arguments: ["ct", "ct-regions", "xray", "xray-border", "xray-subtle", "natural"])
    func validationReportOfASharedDataSuiteIsUnchanged(suite: String) throws { try Self.checkReport(suite) }

    static func checkReport(_ suite: String) throws {
        let out = try Reference.scratch("golden-validate")
        defer { try? FileManager.default.removeItem(at: out) }
        let report = out.appendingPathComponent("report.json")
        let r = try CLI.run(["validate", "Validation/" + suite, "--report", report.path])
        #expect(r.status == 0, "\(suite): \(r.stdout.suffix(400))")
        let committed = Reference.validation + "/" + suite + "/report-test.json"
        if updating { _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: committed), withItemAt: report); return }
        #expect(try Data(contentsOf: report) == Data(contentsOf: URL(fileURLWithPath: committed)),
                "\(suite): the report differs from report-test.json")
    }
}
