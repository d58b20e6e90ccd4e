import Batch
import CXXHash
import Foundation
import Testing
import TestSupport
import Tiling

@Suite(.serialized) struct BatchCommandTests {
    static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-batch-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every token map below `dir` (relative path → bytes), plus series summaries.
    static func outputs(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let walker = FileManager.default.enumerator(atPath: dir.path)!
        for case let rel as String in walker where rel.hasSuffix(".tokens.json") || rel.hasSuffix("series.json") {
            out[rel] = try Data(contentsOf: dir.appendingPathComponent(rel))
        }
        return out
    }

    static func replace(_ bytes: inout [UInt8], _ old: String, with new: String) -> Bool {
        let o = Array(old.utf8), n = Array(new.utf8)
        precondition(o.count == n.count)
        guard let i = (0...(bytes.count - o.count)).first(where: { bytes[$0..<($0 + o.count)].elementsEqual(o) }) else { return false }
        bytes.replaceSubrange(i..<(i + o.count), with: n)
        return true
    }

    @Test func corruptedArchiveFailsPerFileAndWritesOnlyInsideDIR() throws {
        let root = try Self.scratch("corrupt")
        defer { try? FileManager.default.removeItem(at: root) }
        let input = root.appendingPathComponent("archive"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let sample = CLI.repo.appendingPathComponent("SampleStudies")
        for name in ["ct/lidc-idri-0001/000071.dcm", "ct/lidc-idri-0001/000061.dcm", "compressed/emri_small_RLE.dcm",
                     "compressed/693_J2KR.dcm"] {
            try FileManager.default.copyItem(at: sample.appendingPathComponent(name),
                                             to: input.appendingPathComponent((name as NSString).lastPathComponent))
        }
        let good = try [UInt8](Data(contentsOf: sample.appendingPathComponent("ct/lidc-idri-0001/000080.dcm")))
        // Same SOP UID, other bytes (one pixel changed): both tokenized, kept apart by a hash suffix.
        var modified = try [UInt8](Data(contentsOf: sample.appendingPathComponent("ct/lidc-idri-0001/000061.dcm")))
        modified[modified.count - 1001] ^= 0x01
        try Data(modified).write(to: input.appendingPathComponent("z-modified-000061.dcm"))
        // The same instance (same bytes) under another name: reported as a duplicate, tokenized once.
        try FileManager.default.copyItem(at: sample.appendingPathComponent("ct/lidc-idri-0001/000071.dcm"),
                                         to: input.appendingPathComponent("z-copy-of-000071.dcm"))
        func put(_ name: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: input.appendingPathComponent(name)) }
        try put("truncated.dcm", Array(good.prefix(good.count / 2)))
        var flipped = good
        for i in stride(from: 132, to: 700, by: 5) { flipped[i] ^= 0x5A }
        try put("flipped.dcm", flipped)
        try put("empty.dcm", [])
        try put("notes.dcm", Array(String(repeating: "not an image\n", count: 50).utf8))
        var huge = good   // Rows and Columns 65535: 16 GiB decoded, over the limit
        let rowsTag: [UInt8] = [0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]
        let colsTag: [UInt8] = [0x28, 0x00, 0x11, 0x00, 0x55, 0x53, 0x02, 0x00]
        for tag in [rowsTag, colsTag] {
            let at = try #require((0...(huge.count - 10)).first { huge[$0..<($0 + 8)].elementsEqual(tag) })
            huge[at + 8] = 0xFF; huge[at + 9] = 0xFF
        }
        try put("huge.dcm", huge)
        var evil = good   // a Study Instance UID that tries to climb out of DIR
        let study = "1.3.6.1.4.1.14519.5.2.1.6279.6001.298806137288633453246975630178"
        let climb = "../../../../../../../../tmp/escaped" + String(repeating: "x", count: study.count - 35)
        #expect(Self.replace(&evil, study, with: climb))
        try put("evil.dcm", evil)
        // Two of the good files again, inside a zip archive.
        let zip = root.appendingPathComponent("export.zip").path
        let py = try CLI.python(["-c", "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],'w'); [z.write(p, 'dicom/'+p.split('/')[-1]) for p in sys.argv[2:]]; z.close()",
                                 zip, sample.appendingPathComponent("ct/lidc-idri-0001/000003.dcm").path,
                                 sample.appendingPathComponent("xray/RG3_J2KR.dcm").path])
        #expect(py.status == 0, "\(py.stderr)")

        let before = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp"))
        let r = try CLI.run(["batch", input.path, zip, "--output", out.path, "--no-progress"])
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        let after = Set(try FileManager.default.contentsOfDirectory(atPath: "/tmp"))
        #expect(!after.subtracting(before).contains { $0.hasPrefix("escaped") }, "a UID wrote outside DIR")

        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        let failures = try #require(summary["failures"] as? [[String: String]])
        let failed = Set(failures.map { ($0["input"]! as NSString).lastPathComponent })
        #expect(failed == ["truncated.dcm", "flipped.dcm", "empty.dcm", "notes.dcm", "huge.dcm"], "\(failures)")
        #expect(failures.allSatisfy { !($0["error"] ?? "").isEmpty })
        #expect(failures.first { $0["input"]!.hasSuffix("huge.dcm") }?["error"]?.contains("over the limit") == true)
        // 4 good files (1+1+10+1 frames), the modified copy (1), the evil one (1) and two zip members (1+1).
        let maps = try Self.outputs(out).filter { $0.key.hasSuffix(".tokens.json") }
        #expect(maps.count == 17)
        // Two names carry "~": the conflicting copy's suffix, and the evil
        // UID, which sanitising changed (so it carries a hash of the raw UID).
        #expect(maps.keys.filter { $0.contains("~") }.count == 2)
        for (name, data) in maps {
            let map = try JSONDecoder().decode(TokenMap.self, from: data)
            #expect(TilingInvariant.violations(map).isEmpty, "\(name)")
        }
        #expect(maps.keys.contains { $0.hasPrefix("_.._.._") }, "the climbing UID became a plain folder name")
        #expect(summary["frames"] as? Int == 17)
        #expect(summary["duplicates"] as? Int == 1)
        let duplicates = try #require(summary["duplicateInputs"] as? [[String: String]])
        #expect(duplicates.first?["input"]?.hasSuffix("z-copy-of-000071.dcm") == true)
        #expect(duplicates.first?["error"]?.contains("000071.dcm") == true)
    }

    @Test(.enabled(if: Reference.has("ct/lidc-idri-0001/dicom"), "needs ../shared/data/ct/lidc-idri-0001 (133 slices: a run long enough to kill)"))
    func killedRunsResumeToIdenticalOutputs() throws {
        let series = CLI.shared + "/ct/lidc-idri-0001/dicom"
        let root = try Self.scratch("kill")
        defer { try? FileManager.default.removeItem(at: root) }
        let reference = root.appendingPathComponent("reference"), resumed = root.appendingPathComponent("resumed")
        #expect(try CLI.run(["batch", series, "--output", reference.path, "--no-progress"]).status == 0)
        for delay in [0.05, 0.15, 0.3] {
            let p = Process()
            p.executableURL = CLI.executable
            p.arguments = ["batch", series, "--output", resumed.path, "--no-progress", "--jobs", "2"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: delay)
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let r = try CLI.run(["batch", series, "--output", resumed.path, "--no-progress"])
        #expect(r.status == 0, "\(r.stderr)")
        let a = try Self.outputs(reference), b = try Self.outputs(resumed)
        #expect(a.count == 134, "133 token maps and one series summary")
        #expect(a == b)
        let leftovers = FileManager.default.enumerator(atPath: resumed.path)!.compactMap { $0 as? String }
            .filter { ($0 as NSString).lastPathComponent.hasPrefix(".tessera-tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        // A third run does nothing.
        let again = try CLI.run(["batch", series, "--output", resumed.path, "--no-progress"])
        #expect(again.stdout.contains("\"done\":0") && again.stdout.contains("\"skipped\":133"))
    }

    /// A catalog written before the schema migrator (tables plus the first
    /// added columns, no grdb_migrations) opens, gains the missing columns in
    /// the same order as a fresh one (so shard catalogs of any age merge
    /// column for column), keeps its rows, and opens again unchanged.
    @Test func aCatalogFromBeforeTheMigratorIsBroughtUpToDate() throws {
        let root = try Self.scratch("migrate")
        defer { try? FileManager.default.removeItem(at: root) }
        let old = root.appendingPathComponent("old.sqlite").path, fresh = root.appendingPathComponent("fresh.sqlite").path
        let made = try CLI.python(["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.executescript(
              "CREATE TABLE study (uid TEXT PRIMARY KEY);"
              "CREATE TABLE series (uid TEXT PRIMARY KEY, study_uid TEXT, modality TEXT, description TEXT, findings TEXT);"
              "CREATE TABLE instance (input TEXT PRIMARY KEY, sop_uid TEXT, series_uid TEXT, study_uid TEXT,"
              " status TEXT NOT NULL, error TEXT, frames INTEGER, input_sha256 TEXT, profile_sha256 TEXT, seconds REAL);"
              "CREATE TABLE frame (input TEXT NOT NULL, frame INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, output TEXT,"
              " tokens INTEGER, uniform_tokens INTEGER, reduction REAL, input_sha256 TEXT, profile_sha256 TEXT, seconds REAL,"
              " PRIMARY KEY (input, frame));"
              "ALTER TABLE frame ADD COLUMN rois INTEGER;"
              "ALTER TABLE frame ADD COLUMN rois_resolved INTEGER;"
              "ALTER TABLE frame ADD COLUMN rois_skipped TEXT;"
              "ALTER TABLE instance ADD COLUMN options TEXT;"
              "INSERT INTO instance (input, status, frames, seconds) VALUES ('a.dcm', 'done', 1, 0.5);")
            db.commit()
            """, old])
        #expect(made.status == 0, "\(made.stderr)")
        for path in [old, fresh] { try Catalog(path: path).close() }
        try Catalog(path: old).close()  // a second open finds every step done
        let r = try CLI.python(["-c", """
            import sqlite3, sys, json
            out = {}
            for path in sys.argv[1:]:
                db = sqlite3.connect(path)
                out[path] = {t: [c[1] for c in db.execute('PRAGMA table_info(%s)' % t)] for t in ('instance', 'frame', 'attempt')}
                out[path]['rows'] = db.execute('SELECT count(*) FROM instance').fetchone()[0]
            print(json.dumps(out))
            """, old, fresh])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]])
        let a = try #require(json[old]), b = try #require(json[fresh])
        for table in ["instance", "frame", "attempt"] {
            #expect((a[table] as? [String]) == (b[table] as? [String]), "\(table): \(a[table] ?? []) vs \(b[table] ?? [])")
        }
        #expect((a["instance"] as? [String])?.last == "file_stat")
        #expect(a["rows"] as? Int == 1 && b["rows"] as? Int == 0)
    }

    @Test func twoShardsMergedEqualOneRun() throws {
        let inputs = [CLI.repo.appendingPathComponent("SampleStudies").path, CLI.shared + "/xray"]
        let root = try Self.scratch("shard")
        defer { try? FileManager.default.removeItem(at: root) }
        let whole = root.appendingPathComponent("whole"), merged = root.appendingPathComponent("merged")
        #expect(try CLI.run(["batch"] + inputs + ["--output", whole.path, "--no-progress"]).status == 0)
        var shardDirs: [String] = []
        for i in 0..<2 {
            let dir = root.appendingPathComponent("shard\(i)").path
            #expect(try CLI.run(["batch"] + inputs + ["--output", dir, "--shard", "\(i)/2", "--no-progress"]).status == 0)
            shardDirs.append(dir)
        }
        let shard0 = try Self.outputs(URL(fileURLWithPath: shardDirs[0])), shard1 = try Self.outputs(URL(fileURLWithPath: shardDirs[1]))
        #expect(!shard0.isEmpty && !shard1.isEmpty && Set(shard0.keys).isDisjoint(with: shard1.keys))
        #expect(try CLI.run(["batch", "merge", "--output", merged.path] + shardDirs).status == 0)
        #expect(try Self.outputs(whole) == Self.outputs(merged))
        let s1 = try JSONSerialization.jsonObject(with: Data(contentsOf: whole.appendingPathComponent("summary.json"))) as? [String: Any]
        let s2 = try JSONSerialization.jsonObject(with: Data(contentsOf: merged.appendingPathComponent("summary.json"))) as? [String: Any]
        for key in ["frames", "tokens", "uniformTokens", "failed"] { #expect(s1?[key] as? Int == s2?[key] as? Int, "\(key)") }
    }

    /// `--outputs tokens,safetensors`: one safetensors file beside each token
    /// map and tokens-index.csv listing them (path, frame, tokens), and only
    /// them; a rerun with the same outputs skips everything.
    @Test func safetensorsOutputsAndTheirIndex() throws {
        let root = try Self.scratch("tensors")
        defer { try? FileManager.default.removeItem(at: root) }
        let input = CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001").path, out = root.appendingPathComponent("out")
        // A frame an earlier run made without safetensors stays out of the index.
        let earlier = try CLI.run(["batch", CLI.repo.appendingPathComponent("SampleStudies/xray").path, "--output", out.path, "--no-progress"])
        #expect(earlier.status == 0, "\(earlier.stderr)")
        let first = try CLI.run(["batch", input, "--output", out.path, "--outputs", "tokens,safetensors", "--no-progress"])
        #expect(first.status == 0, "\(first.stderr)")
        let index = try String(contentsOf: out.appendingPathComponent("tokens-index.csv"), encoding: .utf8)
        let rows = index.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.first == ["path", "frame", "tokens", "input"])
        let slices = try FileManager.default.contentsOfDirectory(atPath: input).filter { $0.hasSuffix(".dcm") }.count
        #expect(rows.count == slices + 1, "\(rows.count - 1) rows for \(slices) slices")
        for row in rows.dropFirst() {
            let tensors = out.appendingPathComponent(row[0])
            #expect(row[0].hasSuffix(".tokens.safetensors") && FileManager.default.fileExists(atPath: tensors.path), "\(row[0])")
            let map = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent(
                String(row[0].dropLast(".safetensors".count)) + ".json"))) as? [String: Any]
            #expect((map?["tokens"] as? [Any])?.count == Int(row[2]), "\(row)")
            #expect(row[1] == "0")
        }
        let again = try CLI.run(["batch", input, "--output", out.path, "--outputs", "tokens,safetensors", "--no-progress"])
        #expect(again.status == 0 && again.stdout.contains("\"skipped\":\(slices)"), "\(again.stdout)")
    }

    /// The catalog's input_hash is the file's XXH3-128 (checked with the
    /// library's one-shot call, against the batch's streamed one), and a
    /// rerun redoes exactly the input whose bytes changed.
    @Test func changedInputsAreRedoneAndUnchangedSkipped() throws {
        let root = try Self.scratch("rehash")
        defer { try? FileManager.default.removeItem(at: root) }
        let input = root.appendingPathComponent("in"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        let series = CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001")
        for name in ["000061.dcm", "000071.dcm", "000080.dcm"] {
            try FileManager.default.copyItem(at: series.appendingPathComponent(name), to: input.appendingPathComponent(name))
        }
        func hashes() throws -> [String: String] {
            let r = try CLI.python(["-c", """
                import json, sqlite3, sys
                rows = sqlite3.connect(sys.argv[1]).execute("SELECT input, input_hash FROM instance WHERE status = 'done'")
                print(json.dumps(dict(rows.fetchall())))
                """, out.appendingPathComponent("catalog.sqlite").path])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: String] ?? [:]
            return Dictionary(uniqueKeysWithValues: rows.map { (($0.key as NSString).lastPathComponent, $0.value) })
        }
        func xxh3(_ name: String) throws -> String {
            let bytes = try [UInt8](Data(contentsOf: input.appendingPathComponent(name)))
            var canonical = XXH128_canonical_t()
            XXH128_canonicalFromHash(&canonical, bytes.withUnsafeBytes { XXH3_128bits($0.baseAddress, $0.count) })
            return withUnsafeBytes(of: canonical.digest) { $0.map { String(format: "%02x", $0) }.joined() }
        }

        let first = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\"done\":3"))
        let before = try hashes()
        for name in ["000061.dcm", "000071.dcm", "000080.dcm"] { #expect(before[name] == (try xxh3(name)), "\(name)") }

        // One pixel of one file changes (its header, and so its outputs' paths, do not).
        let changed = input.appendingPathComponent("000071.dcm")
        var bytes = try [UInt8](Data(contentsOf: changed))
        bytes[bytes.count - 1001] ^= 0x01
        try Data(bytes).write(to: changed)
        let second = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\"done\":1") && second.stdout.contains("\"skipped\":2"), "\(second.stdout)")
        let after = try hashes()
        #expect(after["000071.dcm"] == (try xxh3("000071.dcm")) && after["000071.dcm"] != before["000071.dcm"])
        #expect(after["000061.dcm"] == before["000061.dcm"] && after["000080.dcm"] == before["000080.dcm"])
    }
}
