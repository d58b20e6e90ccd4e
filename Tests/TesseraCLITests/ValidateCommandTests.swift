import Foundation
import Testing
import TestSupport

@Suite struct ValidateCommandTests {
    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: the Validation/ct suite names its images by paths into it"))
    func shippedCTSuitePassesAndAWeakenedProfileFails() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = dir.appendingPathComponent("ct.json").path, junit = dir.appendingPathComponent("ct.xml").path
        let ok = try CLI.run(["validate", "Validation/ct", "--report", report, "--junit", junit])
        #expect(ok.status == 0, "\(ok.stdout.suffix(400))")
        #expect(ok.stdout.contains("— PASS"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect((json["summary"] as? [String: Any])?["passed"] as? Bool == true)
        #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("<testsuite name=\"tessera.validate.ct.test\""))

        // The same profile with its safety threshold pushed to 0.9999 and
        // the homogeneity certificate switched off (z = 1000): only then
        // can lesions be coarsened.
        let shown = try CLI.run(["profile", "show", "ct"])
        var profileJSON = shown.stdout.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
        profileJSON = profileJSON.replacingOccurrences(of: "\"safetyThreshold\" : 0.7", with: "\"safetyThreshold\" : 0.9999")
        profileJSON = profileJSON.replacingOccurrences(of: "0.7,\n", with: "0.9999,\n").replacingOccurrences(of: "0.7\n  ]", with: "0.9999\n  ]")
        #expect(profileJSON.contains("\"zThreshold\" : 2.5"))
        profileJSON = profileJSON.replacingOccurrences(of: "\"zThreshold\" : 2.5", with: "\"zThreshold\" : 1000")
        let weak = dir.appendingPathComponent("weak.json").path
        try profileJSON.write(toFile: weak, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["validate", "Validation/ct", "--profile", weak])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("— FAIL") && bad.stdout.contains("skipped: ct-"))
    }

    /// CT beyond the lung: every region's test split keeps every lesion, and
    /// the table gives recall and reduction per region next to the
    /// background-only baseline.
    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: the Validation/ct-regions suite names its images by paths into it"))
    func regionSuitePassesWithPerRegionTable() throws {
        let r = try CLI.run(["validate", "Validation/ct-regions"])
        #expect(r.status == 0, "\(r.stdout.suffix(800))")
        #expect(r.stdout.contains("— PASS"))
        for region in ["head", "neck", "chest", "abdomen", "extremity"] {
            #expect(r.stdout.contains("\n" + region + " "), "no \(region) row")
        }
        #expect(r.stdout.contains("background-only"))
        // Radiograph lesions against rib, organ and cortex borders.
        let border = try CLI.run(["validate", "Validation/xray-border"])
        #expect(border.status == 0 && border.stdout.contains("— PASS"), "\(border.stdout.suffix(600))")
    }

    /// Checks `validate --export DIR`: every case's tokens (lesions inserted)
    /// as safetensors, listed in cases.csv with the case's lesion count.
    static func expectExported(_ dir: URL, report: String) throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        let cases = try #require(json["cases"] as? [[String: Any]])
        let rows = try String(contentsOf: dir.appendingPathComponent("cases.csv"), encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "path,case,image,frame,split,lesions,tokens")
        #expect(rows.count == cases.count + 1 && !cases.isEmpty, "\(rows.count) rows for \(cases.count) cases")
        for (row, c) in zip(rows.dropFirst(), cases) {
            let fields = row.split(separator: ",").map(String.init)
            #expect(fields[1] == c["id"] as? String && fields[5] == String((c["rois"] as? [Any])?.count ?? -1), "\(row)")
            #expect(fields[6] == String(c["tokens"] as? Int ?? -1), "\(row)")
            let bytes = try Data(contentsOf: dir.appendingPathComponent(fields[0]))
            #expect(String(decoding: bytes.prefix(4096), as: UTF8.self).contains("\"token_count\":\"\(c["tokens"] as? Int ?? -1)\""),
                    "\(fields[0])")
        }
    }

    /// Mammography has no calibrated profile: every DDSM mammogram (bundled in
    /// SampleStudies/mg) is tokenized conservatively, and every subtle mass
    /// and calcification cluster of the test split stays at basePatch. Given
    /// the X-ray certificate at the settings it had before `xray-subtle`
    /// (z = 2.25, 2% of the window) as if mammograms were in distribution,
    /// the same suite loses lesions: the guard is what keeps them safe.
    @Test func mammographySuiteIsConservativeAndTheGuardIsWhatSavesIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-mg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let exported = dir.appendingPathComponent("tensors"), report = dir.appendingPathComponent("report.json").path
        let r = try CLI.run(["validate", "Validation/mammography", "--export", exported.path, "--report", report])
        #expect(r.status == 0, "\(r.stdout.suffix(800))")
        try Self.expectExported(exported, report: report)
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("breast ") })
        let columns = row.split(separator: " ")
        #expect(columns[1] == columns[2], "every breast case conservative: \(row)")
        let shown = try CLI.run(["profile", "show", "xray"])
        let text = shown.stdout.split(separator: "\n", maxSplits: 1).last.map(String.init) ?? ""
        var profile = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        var distribution = try #require(profile["distribution"] as? [String: Any])
        distribution["modalities"] = ["CR", "DX", "MG"]
        distribution["regions"] = ["breast"]
        distribution["spacingMM"] = [0.05, 0.15]
        profile["distribution"] = distribution
        var certificate = try #require(profile["certificate"] as? [String: Any])
        certificate["zThreshold"] = 2.25
        certificate["contrastFraction"] = 0.02
        profile["certificate"] = certificate
        let unguarded = dir.appendingPathComponent("xray-mg.json")
        try JSONSerialization.data(withJSONObject: profile).write(to: unguarded)
        let bad = try CLI.run(["validate", "Validation/mammography", "--profile", unguarded.path])
        #expect(bad.status == 1 && bad.stdout.contains("skipped: mammography-"), "\(bad.stdout.suffix(600))")
    }
}
