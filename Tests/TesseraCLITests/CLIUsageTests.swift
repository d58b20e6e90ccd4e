import Foundation
import TestSupport
import Testing

/// What a user meets at the command line: every mistake is one line on
/// stderr that names the input, says what is wrong and where the help is,
/// with exit 1; no Foundation error text; help and version work.
@Suite struct CLIUsageTests {
    static let slice = Reference.samples + "/ct/lidc-idri-0001/000071.dcm"

    /// Runs, and checks for one stderr line, exit 1, and the given fragments.
    static func expectOneLineError(_ arguments: [String], _ fragments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 1, "\(arguments): exit \(r.status)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): \(r.stderr)")
        #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)")
        for f in fragments { #expect(r.stderr.contains(f), "\(arguments): no '\(f)' in \(r.stderr)") }
        #expect(!r.stderr.contains("NSCocoaErrorDomain") && !r.stderr.contains("Error Domain="), "\(r.stderr)")
    }

    @Test func versionAndBatchHelp() throws {
        let v = try CLI.run(["--version"])
        #expect(v.status == 0 && v.stdout.hasPrefix("tessera "), "\(v.stdout)\(v.stderr)")
        let help = try CLI.run(["help", "batch"])
        #expect(help.status == 0)
        for option in ["--output", "--jobs", "--profile", "--shard", "--heatmaps", "--rois", "batch merge"] {
            #expect(help.stdout.contains(option), "help batch lacks \(option)")
        }
        let merge = try CLI.run(["batch", "merge", "--help"])
        #expect(merge.status == 0 && merge.stdout.contains("USAGE: tessera batch merge"), "\(merge.stdout)")
    }

    @Test func negativeWindowCentresAreAccepted() throws {
        let out = try Reference.scratch("cli-window")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["heatmap", Self.slice, "--window", "-600,1500", "--output", out.appendingPathComponent("w.png").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("C-600.0 W1500.0"), "\(r.stderr)")
    }

    @Test func badOptionValuesNameTheOptionAndWhatItTakes() throws {
        try Self.expectOneLineError(["heatmap", Self.slice, "--window", "wide", "--output", "/tmp/never.png"],
                                    ["'wide'", "--window", "lung, mediastinum", "see 'tessera heatmap --help'"])
        try Self.expectOneLineError(["validate", "Validation/mammography", "--split", "half"],
                                    ["'half'", "'test', 'calibration' or 'all'", "see 'tessera validate --help'"])
        try Self.expectOneLineError(["calibrate", "--domain", "mri", "Validation/mammography", "--output", "/tmp/never.json"],
                                    ["'mri'", "'ct', 'xray' or 'natural'"])
        try Self.expectOneLineError(["audit", "--domain", "xray", "--output", "/tmp/never"], ["'xray'", "NAME=PATH"])
        try Self.expectOneLineError(["tokenize", Self.slice, "--jobs", "0", "--output", "/tmp/never.json"], ["--jobs must be at least 1"])
        try Self.expectOneLineError(["frobnicate"], ["frobnicate", "see 'tessera --help'"])
        try Self.expectOneLineError(["batch", Self.slice, "--output", "/tmp/never", "--outputs", "tokens,pngs"],
                                    ["'tokens,pngs'", "--outputs", "'tokens', 'safetensors', 'npy' or 'heatmaps'"])
    }

    @Test func missingAndUnreadableFilesSayWhichAndWhy() throws {
        try Self.expectOneLineError(["tokenize", "/nonexistent/a.dcm", "--output", "/tmp/never.json"], ["/nonexistent/a.dcm", "file not found"])
        try Self.expectOneLineError(["validate", "/nonexistent/suite"], ["/nonexistent/suite", "no such file"])
        try Self.expectOneLineError(["heatmap", Self.slice, "--rois", "/nonexistent/r.json", "--output", "/tmp/never.png"],
                                    ["/nonexistent/r.json", "no such file"])
        try Self.expectOneLineError(["tokenize", Self.slice, "--profile", Reference.repo.appendingPathComponent("README.md").path,
                                     "--output", "/tmp/never.json"], ["README.md", "invalid profile", "not valid JSON"])
    }

    @Test func emptyInputsFail() throws {
        let empty = try Reference.scratch("cli-empty"), out = try Reference.scratch("cli-empty-out")
        defer { try? FileManager.default.removeItem(at: empty); try? FileManager.default.removeItem(at: out) }
        try Self.expectOneLineError(["batch", empty.path, "--output", out.path, "--no-progress"], ["no files in", empty.path])
        try Self.expectOneLineError(["info", empty.path], ["no DICOM files in", empty.path, "see 'tessera info --help'"])
        let zero = empty.appendingPathComponent("zero.dcm")
        FileManager.default.createFile(atPath: zero.path, contents: Data())
        try Self.expectOneLineError(["tokenize", zero.path, "--output", out.appendingPathComponent("z.json").path], ["zero.dcm", "zero-length"])
    }

    /// Conformal risk control needs α ≥ 1/(n+1): a smaller α is refused
    /// before any fitting, and no profile is written.
    @Test func calibrateRefusesAnInfeasibleAlpha() throws {
        let out = try Reference.scratch("cli-alpha")
        defer { try? FileManager.default.removeItem(at: out) }
        let profile = out.appendingPathComponent("p.json")
        let r = try CLI.run(["calibrate", "--domain", "xray", "Validation/mammography", "--alpha", "0.001",
                             "--iterations", "1", "--output", profile.path])
        #expect(r.status == 1, "exit \(r.status)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("--alpha 0.001 is infeasible")
                && r.stderr.contains("1/(n+1)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: profile.path))
    }
}
