import Foundation
import Testing
import TestSupport

@Suite struct TokenizeCommandTests {
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func multiFrameOutputIsIdenticalAcrossJobs() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var outputs: [[String: Data]] = []
        for jobs in [1, 2, 3] {
            let out = dir.appendingPathComponent("j\(jobs)")
            let r = try CLI.run(["tokenize", "SampleStudies/compressed/emri_small_RLE.dcm",
                                 "--output", out.appendingPathComponent("mr.json").path, "--jobs", "\(jobs)"])
            #expect(r.status == 0, "\(r.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            #expect(files == (0..<10).map { String(format: "mr_f%04d.json", $0) })
            outputs.append(Dictionary(uniqueKeysWithValues: try files.map { ($0, try Data(contentsOf: out.appendingPathComponent($0))) }))
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
    }

    @Test func mapsPassTheReferenceChecker() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let roiDir = dir.appendingPathComponent("rois")
        let rois = try CLI.run(["rois", "from-lidc", "SampleStudies/ct/lidc-idri-0001/069.xml",
                                "--series", "SampleStudies/ct/lidc-idri-0001", "--output", roiDir.path, "--no-points"])
        #expect(rois.status == 0, "\(rois.stderr)")
        let roiFiles = try FileManager.default.contentsOfDirectory(atPath: roiDir.path)
        #expect(roiFiles.count == 9)
        for name in roiFiles {
            let roiPath = roiDir.appendingPathComponent(name).path
            let roiJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: roiPath))) as? [String: Any]
            let image = try #require((roiJSON?["image"] as? [String: Any])?["path"] as? String)
            let map = dir.appendingPathComponent(name + ".tokens.json").path
            #expect(try CLI.run(["tokenize", image, "--output", map]).status == 0)
            let check = try CLI.python([Reference.tools + "/check_tokenmap.py", map, roiPath])
            #expect(check.status == 0, "reference checker: \(check.stdout) \(check.stderr)")
            #expect(check.stdout.contains("\"ok\": true"))
        }
    }

    @Test func patchesLoadWithNumpy() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = dir.appendingPathComponent("rg3.json").path, npy = dir.appendingPathComponent("rg3.npy").path
        let r = try CLI.run(["tokenize", "SampleStudies/xray/RG3_J2KR.dcm", "--output", map, "--patches", npy])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: map))) as? [String: Any])
        let tokens = try #require(json["tokens"] as? [[String: Any]])
        let script = """
            import json, numpy as np
            p = np.load('\(npy)'); pos = np.load('\(dir.appendingPathComponent("rg3.positions.npy").path)')
            m = json.load(open('\(map)'))
            assert p.dtype == np.float32 and p.shape == (len(m['tokens']), 16, 16), p.shape
            assert pos.dtype == np.int32 and pos.shape == (len(m['tokens']), 6)
            assert all(list(pos[i][:5]) == [t['x'], t['y'], t['w'], t['h'], t['level']] for i, t in enumerate(m['tokens']))
            assert 0.0 <= p.min() and p.max() <= 1.0 and p.std() > 0.01
            t0 = m['tokens'][0]
            assert abs(float(p[0].mean()) - t0['features'][0]) < 0.02 or t0['w'] < 16 << t0['level']
            print('ok', p.shape)
            """
        let check = try CLI.python(["-c", script])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.hasPrefix("ok (\(tokens.count), 16, 16)"))
    }

    @Test func stdoutAndBadInput() throws {
        let r = try CLI.run(["tokenize", "SampleStudies/compressed/693_J2KR.dcm", "--output", "-"])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? String == "tessera.tokenmap/1")
        let bad = try CLI.run(["tokenize", "README.md", "--output", "-"])
        #expect(bad.status != 0 && bad.stderr.contains("README.md"))
        let frame = try CLI.run(["tokenize", "SampleStudies/compressed/693_J2KR.dcm", "--output", "-", "--frame", "3"])
        #expect(frame.status != 0 && frame.stderr.contains("frame 3 out of range"))
    }
}
