import Foundation
import Testing
import TestSupport

/// Runs the built `tessera` executable the way a user does.
enum CLI {
    static let repo = Reference.repo
    /// The reference data (../shared/data, or the compact corpus in the repo).
    static let shared = Reference.data

    static var executable: URL {
        // The test bundle sits next to the products in .build/<config>/.
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tessera")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return repo.appendingPathComponent(".build/debug/tessera")
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ arguments: [String]) throws -> Result {
        try run(executable: executable, arguments)
    }

    /// The machine's python3 (numpy is used by the cross-checks).
    static func python(_ arguments: [String]) throws -> Result {
        try run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
    }

    static func run(executable: URL, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repo
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }
}

@Suite struct InfoCommandTests {
    @Test func jsonChecksumOfALosslessFileMatchesPydicom() throws {
        let r = try CLI.run(["info", "--json", "--checksum", "SampleStudies/compressed/693_J2KR.dcm"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        for key in ["rows", "columns", "frames", "samplesPerPixel", "photometricInterpretation",
                    "transferSyntaxUID", "modality", "storedValues", "modalityValues"] {
            #expect(json[key] != nil, "missing \(key)")
        }
        let stored = try #require(json["storedValues"] as? [String: Any])
        // pydicom 3.0.2 + pylibjpeg reference for 693_J2KR.dcm
        #expect(stored["sha256_int32le"] as? String == "f956baa39f6a3ac1b5b2026222bf5f0579b954079ce5457653f9f99e77620294")
        let modality = try #require(json["modalityValues"] as? [String: Any])
        #expect(modality["min"] as? Double == -3024 && modality["max"] as? Double == 1468)
    }

    @Test func colourFileReportsChannelMeans() throws {
        let r = try CLI.run(["info", "--json", "SampleStudies/compressed/US1_J2KI.dcm"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let means = try #require(json["channelMeans"] as? [Double])
        for (a, b) in zip(means, [40.446, 34.616, 29.010]) { #expect(abs(a - b) < 1.0) }
    }

    @Test func hostileFilesExitNonZeroWithOneLineErrors() throws {
        for name in ["pydicom-MR_truncated.dcm", "pydicom-no_meta.dcm", "emri_small_jpeg_2k_lossless_too_short.dcm"] {
            let path = CLI.shared + "/conformance/" + name
            let r = try CLI.run(["info", "--json", "--checksum", path])
            #expect(r.status != 0)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(r.stderr)")
            #expect(r.stderr.contains(name))
        }
    }

    @Test(.enabled(if: Reference.has("ct/gantry-tilt-head"), "needs ../shared/data/ct/gantry-tilt-head (28 tilted head slices, 15 MB)"))
    func folderReportsSeriesAndFindings() throws {
        let r = try CLI.run(["info", "--json", CLI.shared + "/ct/gantry-tilt-head"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let series = try #require((json["series"] as? [[String: Any]])?.first)
        #expect(series["instances"] as? Int == 28)
        let findings = try #require(series["findings"] as? [String])
        #expect(findings.contains { $0.hasPrefix("gantry tilt 18.50") })
        #expect(findings.contains { $0.hasPrefix("uneven spacing: 4.00 mm") })
    }
}
