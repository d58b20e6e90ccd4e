import Foundation
import Testing

/// `tessera heatmap` and `tessera batch --heatmaps` as a user runs them.
@Suite(.serialized) struct HeatmapCommandTests {
    static let slice = "SampleStudies/ct/lidc-idri-0001/000071.dcm"

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-heatmap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func heatmapWritesPNGSegAndSCAndReportsTheROIs() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("n.png").path, seg = dir.appendingPathComponent("n.seg.dcm").path
        let sc = dir.appendingPathComponent("n.sc.dcm").path
        let r = try CLI.run(["heatmap", Self.slice, "--window", "lung", "--rois", "SampleStudies/ct/lidc-idri-0001/069.xml",
                             "--output", png, "--dicom-seg", seg, "--dicom-sc", sc])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("window lung C-600.0 W1500.0") && r.stderr.contains("ROIs resolved 3/3"), "\(r.stderr)")
        for f in [png, seg, sc] { #expect(FileManager.default.fileExists(atPath: f)) }
        // No temporaries left behind, and no patient text in the file names.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(Set(names) == ["n.png", "n.seg.dcm", "n.sc.dcm"])
        let info = try CLI.run(["info", seg])
        #expect(info.status == 0 && info.stdout.contains("SEG"), "\(info.stdout)\(info.stderr)")
    }

    @Test func badRequestsFailWithTypedErrorsAndWriteNothing() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.png").path
        let photo = CLI.shared + "/natural/coffee.png"
        let cases: [([String], String)] = [
            (["heatmap", photo, "--output", out, "--dicom-seg", dir.appendingPathComponent("x.dcm").path], "needs a DICOM source"),
            (["heatmap", CLI.shared + "/xray/RG1_J2KR.dcm", "--window", "lung", "--output", out], "CT preset in Hounsfield units"),
            (["heatmap", Self.slice, "--window", "wide", "--output", out], "invalid for '--window"),
            (["heatmap", Self.slice, "--frame", "3", "--output", out], "frame 3"),
            (["heatmap", Self.slice, "--rois", "README.md", "--output", out], "README.md"),
        ]
        for (arguments, message) in cases {
            let r = try CLI.run(arguments)
            #expect(r.status == 1, "\(arguments): \(r.status)")
            #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// Heatmaps land next to the token maps; a deleted heatmap is redone on
    /// resume, the rest skipped.
    @Test func batchWritesHeatmapsNextToTokenMapsAndResumes() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let input = root.appendingPathComponent("in"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for name in ["ct/lidc-idri-0001/000071.dcm", "ct/lidc-idri-0001/000080.dcm", "compressed/emri_small_RLE.dcm"] {
            try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent("SampleStudies/" + name),
                                             to: input.appendingPathComponent((name as NSString).lastPathComponent))
        }
        try FileManager.default.copyItem(atPath: CLI.shared + "/natural/coffee.png", toPath: input.appendingPathComponent("coffee.png").path)
        let first = try CLI.run(["batch", input.path, "--output", out.path, "--heatmaps", "--heatmap-max-size", "256", "--no-progress"])
        #expect(first.status == 0, "\(first.stderr)")
        let files = FileManager.default.enumerator(atPath: out.path)!.compactMap { $0 as? String }
        let maps = files.filter { $0.hasSuffix(".tokens.json") }
        #expect(maps.count == 2 + 10 + 1, "two CT slices, ten MR frames, one photograph")
        for map in maps {
            let stem = String(map.dropLast(".tokens.json".count))
            #expect(files.contains(stem + ".heatmap.png"), "\(stem)")
            let dicom = !map.hasPrefix("photographs/")
            #expect(files.contains(stem + ".seg.dcm") == dicom && files.contains(stem + ".sc.dcm") == dicom, "\(stem)")
        }
        let seg = out.appendingPathComponent(try #require(files.first { $0.hasSuffix("_f0004.seg.dcm") })).path
        let verify = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"), ["dciodvfy", seg])
        let errors = verify.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") }
        #expect(verify.stderr.contains("Segmentation") && errors.isEmpty, "\(verify.stderr)")

        let png = out.appendingPathComponent(try #require(files.first { $0.hasSuffix(".heatmap.png") && $0.contains("photographs") }))
        try FileManager.default.removeItem(at: png)
        let again = try CLI.run(["batch", input.path, "--output", out.path, "--heatmaps", "--heatmap-max-size", "256", "--no-progress"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("\"done\":1") && again.stdout.contains("\"skipped\":3"), "\(again.stdout)")
        #expect(FileManager.default.fileExists(atPath: png.path))
    }

    /// --rois DIR (LIDC contours via `tessera rois from-lidc`) and --patches:
    /// coverage per frame in the catalog and summaries, outlines on the
    /// heatmaps, patches readable by numpy; a ROI file for another image size
    /// fails its instance with the reason.
    @Test func batchChecksAnnotatedROIsAndWritesPatches() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: root) }
        let series = "SampleStudies/ct/lidc-idri-0001"
        let roiDir = root.appendingPathComponent("rois"), out = root.appendingPathComponent("out")
        let convert = try CLI.run(["rois", "from-lidc", series + "/069.xml", "--series", series, "-o", roiDir.path])
        #expect(convert.status == 0, "\(convert.stderr)")
        let run = try CLI.run(["batch", series, "--output", out.path, "--rois", roiDir.path, "--patches", "--heatmaps",
                               "--no-progress"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"rois\":32") && run.stdout.contains("\"roisResolved\":32"), "\(run.stdout)")
        struct Summary: Decodable { var rois: Int?; var roisResolved: Int?; var skippedROIs: [String]? }
        let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        #expect(summary.rois == 32 && summary.roisResolved == 32 && summary.skippedROIs == [])
        let csv = try String(contentsOf: out.appendingPathComponent("summary.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(lines.first)
        let column = { (name: String) in header.firstIndex(of: name) ?? -1 }
        let (rois, resolved, profile, region) = (column("rois"), column("rois_resolved"), column("profile"), column("region"))
        #expect(lines.dropFirst().filter { $0.count == header.count && $0[2] == "done" && $0[rois] == "3" && $0[resolved] == "3" }
            .count >= 1, "3 contours on a slice")
        #expect(lines.dropFirst().allSatisfy { $0[profile] == "ct" && $0[region] == "chest" && $0[column("conservative")] == "false" })
        let files = FileManager.default.enumerator(atPath: out.path)!.compactMap { $0 as? String }
        let patches = files.filter { $0.hasSuffix(".patches.npy") }
        #expect(patches.count == 17 && files.filter { $0.hasSuffix(".positions.npy") }.count == 17)
        let check = try CLI.python(["-c", """
            import json, sys, numpy as np
            stem = sys.argv[1][:-len('.patches.npy')]
            p, q = np.load(stem + '.patches.npy'), np.load(stem + '.positions.npy')
            tokens = json.load(open(stem + '.tokens.json'))['tokens']
            assert p.shape == (len(tokens), 16, 16) and p.dtype == np.float32, p.shape
            assert q.shape == (len(tokens), 6) and (q[:, 0] == [t['x'] for t in tokens]).all()
            print('ok', len(tokens))
            """, out.appendingPathComponent(patches[0]).path])
        #expect(check.status == 0 && check.stdout.hasPrefix("ok"), "\(check.stderr)")

        // A ROI file for a 256×256 image named after a 512×512 slice: that instance fails, with the reason.
        let bad = try #require(try FileManager.default.contentsOfDirectory(atPath: roiDir.path).first)
        var text = try String(contentsOf: roiDir.appendingPathComponent(bad), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"rows\" : 512", with: "\"rows\" : 256")
            .replacingOccurrences(of: "\"rows\":512", with: "\"rows\":256")
        try text.write(to: roiDir.appendingPathComponent(bad), atomically: true, encoding: .utf8)
        let again = try CLI.run(["batch", series, "--output", root.appendingPathComponent("out2").path, "--rois", roiDir.path,
                                 "--no-progress"])
        #expect(again.status == 2)
        #expect(again.stdout.contains("ROIs are for a 512×256 image; the frame is 512×512"), "\(again.stdout)")
    }
}
