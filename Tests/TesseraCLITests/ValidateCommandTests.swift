import Foundation
import Testing

@Suite struct ValidateCommandTests {
    @Test func shippedCTSuitePassesAndAWeakenedProfileFails() throws {
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
    @Test(.enabled(if: FileManager.default.fileExists(atPath: CLI.shared), "needs ../shared/data (Validation/ct-regions images)"))
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
}
