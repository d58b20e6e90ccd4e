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

    /// The safetensors layout, read back here byte by byte (8-byte header
    /// length, JSON header, tensors back to back from an 8-aligned start) and
    /// checked against the token map: Python's reader is tested in python/tests.
    @Test func exportWritesSafetensorsThatMatchTheTokenMap() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let map = dir.appendingPathComponent("s.json"), tensors = dir.appendingPathComponent("s.safetensors")
        let r = try CLI.run(["tokenize", "SampleStudies/ct/lidc-idri-0001/000071.dcm", "--output", map.path, "--export", tensors.path])
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = [UInt8](try Data(contentsOf: tensors))
        let length = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + length) % 8 == 0)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let tokens = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: map)) as? [String: Any])?["tokens"] as? [[String: Any]])
        let n = tokens.count
        var expectedShapes: [String: [Int]] = ["patches": [n, 1, 16, 16], "boxes": [n, 4], "level": [n], "score": [n], "code": [n],
                                               "certified": [n], "pyramid": [n, 5]]
        var end = 0
        let entries = header.filter { $0.key != "__metadata__" }.map { ($0.key, $0.value as! [String: Any]) }
            .sorted { ($0.1["data_offsets"] as! [Int])[0] < ($1.1["data_offsets"] as! [Int])[0] }
        for (name, e) in entries {
            let offsets = e["data_offsets"] as! [Int]
            #expect(e["shape"] as? [Int] == expectedShapes.removeValue(forKey: name), "\(name)")
            #expect(offsets[0] == end, "\(name) does not follow the previous tensor")
            end = offsets[1]
        }
        #expect(expectedShapes.isEmpty, "missing \(expectedShapes.keys)")
        #expect(8 + length + end == bytes.count)
        // boxes (i16, little-endian) are the map's x, y, w, h.
        let boxes = (header["boxes"] as! [String: Any])["data_offsets"] as! [Int]
        let base = 8 + length + boxes[0]
        let first = (0..<4).map { Int(Int16(bitPattern: UInt16(bytes[base + 2 * $0]) | UInt16(bytes[base + 2 * $0 + 1]) << 8)) }
        #expect(first == ["x", "y", "w", "h"].map { tokens[0][$0] as! Int })
        let meta = try #require(header["__metadata__"] as? [String: String])
        #expect(meta["schema"] == "tessera.tokens/1" && meta["token_count"] == String(n) && meta["image_rows"] == "512")
        #expect(meta["normalization"]?.contains("\"window\":[-1000,400]") == true, "\(meta["normalization"] ?? "")")
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
