@testable import Batch
import DicomIO
import FileOutput
import Foundation
import Testing
import TestSupport

/// Hostile input never takes a run down: the reproducers in Tests/Corpus/hostile
/// (each crashed the loader once) give one typed error line and exit 1; in a
/// batch each is a failed row while the good files go on; a file that kills a
/// run is retried once and then quarantined; two batches cannot share an
/// output folder; zip bombs and undecodable names are handled.
@Suite(.serialized) struct HostileInputTests {
    static let corpus = CLI.repo.appendingPathComponent("Tests/Corpus/hostile").path

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// What each class must say (a stable part of its one-line error).
    static let expected: [(prefix: String, message: String)] = [
        ("nest10000", "sequences nested more than 128 deep"),
        ("oom_jpeg", "over the limit of 2147483648 bytes"),
        ("segv_j2k", "failed to decode (unreadable J2K header"),
        ("abrt_j2k", "failed to decode (decoding failed"),
        ("segv_rle", "failed to decode (RLE segment offsets"),
    ]

    @Test func everyReproducerGivesOneTypedErrorLine() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).filter { $0.hasSuffix(".dcm") }.sorted()
        #expect(files.count == 8)
        for name in files {
            let r = try CLI.run(["info", "--json", "--checksum", Self.corpus + "/" + name])
            #expect(r.status == 1, "\(name): exit \(r.status) (a crash is 134/139)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(name): \(r.stderr)")
            let message = try #require(Self.expected.first { name.hasPrefix($0.prefix) }?.message)
            #expect(r.stderr.contains(name) && r.stderr.contains(message), "\(name): \(r.stderr)")
        }
    }

    @Test func aBatchOverHostileAndGoodFilesFinishesAndResumesWithNothingRedone() throws {
        let out = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let good = CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001").path
        let first = try CLI.run(["batch", Self.corpus, good, "--output", out.path, "--no-progress"])
        #expect(first.status == 2, "\(first.stderr.suffix(400))")
        let summary = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as? [String: Any])
        #expect(summary["done"] as? Int == 17 && summary["failed"] as? Int == 8, "\(summary)")
        let maps = FileScanner.files(under: out.path).filter { $0.hasSuffix(".tokens.json") }
        #expect(maps.count == 17)
        let failures = first.stdout.split(separator: "\n").filter { $0.contains("\"status\":\"failed\"") }
        #expect(failures.count == 8 && failures.allSatisfy { $0.contains("\"error\":\"") })
        let again = try CLI.run(["batch", Self.corpus, good, "--output", out.path, "--no-progress"])
        #expect(again.status == 2)
        #expect(!again.stdout.contains("\"status\":\"done\""), "a resumed run redid work")
        #expect(again.stdout.split(separator: "\n").filter { $0.contains("\"status\":\"skipped\"") }.count == 17)
    }

    /// A start mark left by a run that crashed: one more try, then
    /// quarantine. A mark left by a run killed from outside counts nothing.
    @Test func anInputThatCrashedARunIsRetriedOnceThenQuarantined() async throws {
        let out = try Self.scratch(), input = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: input) }
        let source = CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001")
        for name in ["000071.dcm", "000111.dcm"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: input.appendingPathComponent(name))
        }
        let victim = input.appendingPathComponent("000071.dcm").path
        let catalogPath = out.appendingPathComponent("catalog.sqlite").path
        let marker = out.appendingPathComponent(".work/crashed")
        func crashWhileReading(settleFirst: Bool) throws {
            let catalog = try Catalog(path: catalogPath)
            if settleFirst { _ = try catalog.settleAttempts(crashed: true) }  // the retry run starting…
            try catalog.markStarted(victim)  // …reads the victim and dies in a decoder:
            try catalog.close()
            try FileManager.default.createDirectory(at: marker.deletingLastPathComponent(), withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: marker.path, contents: Data())  // what the signal handler leaves
        }
        // Killed from outside (no crash marker): nothing counts.
        do {
            let catalog = try Catalog(path: catalogPath)
            try catalog.markStarted(victim)
            try catalog.close()
        }
        let interrupted = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(interrupted.status == 0, "\(interrupted.stdout.suffix(300))")
        // One crash: retried, and done.
        try crashWhileReading(settleFirst: false)
        try FileManager.default.removeItem(at: out.appendingPathComponent("catalog.sqlite"))
        try crashWhileReading(settleFirst: false)
        let retried = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(retried.status == 0, "retried once: \(retried.stdout.suffix(300))")
        #expect(!FileManager.default.fileExists(atPath: marker.path), "the marker is consumed")
        // Two crashes in a row: quarantined, a failed row; the other input goes on.
        try FileManager.default.removeItem(at: out.appendingPathComponent("catalog.sqlite"))
        try crashWhileReading(settleFirst: false)
        try crashWhileReading(settleFirst: true)
        let quarantined = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(quarantined.status == 2)
        let line = try #require(quarantined.stdout.split(separator: "\n").first { $0.contains("000071.dcm") })
        #expect(line.contains("\"status\":\"failed\"") && line.contains("quarantined"), "\(line)")
        #expect(quarantined.stdout.contains("000111.dcm"), "the other input goes on")
        // And it stays quarantined.
        let later = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(later.status == 2 && later.stdout.contains("quarantined"))
    }

    /// A real crash signal leaves the marker (SIGKILL would not).
    @Test(.enabled(if: Reference.has("ct/lidc-idri-0001/dicom"), "needs ../shared/data/ct/lidc-idri-0001 (a 133-slice series to interrupt)"))
    func aCrashSignalLeavesTheMarker() throws {
        let out = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = CLI.executable
        p.arguments = ["batch", CLI.shared + "/ct/lidc-idri-0001/dicom", "--output", out.path, "--no-progress"]
        let output = Pipe()
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Wait for the first file event: the batch is then reading inputs,
        // with its handlers in place. Then crash it.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("\"event\":\"file\"") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(p.processIdentifier, SIGSEGV)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "status \(p.terminationStatus)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(".work/crashed").path), "a crashed batch left no marker")
    }

    /// A real full disk: the batch writes into a 9 MiB tmpfs (mounted in a
    /// private user+mount namespace, so no root is needed), fills it, and must
    /// still give every input its row, a summary, exit 2 and no partial file.
    /// With room made (the tmpfs grown), the same command finishes the rest.
    @Test(.enabled(if: DiskFullSandbox.available, "needs `unshare -rm` and a tmpfs mount (user namespaces)"))
    func aFullDiskStopsTheBatchWithEveryInputRecordedAndResumesAfterSpaceIsFreed() throws {
        let keep = try Self.scratch(), mount = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: keep); try? FileManager.default.removeItem(at: mount) }
        let input = CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001").path
        let script = """
            set -u
            mnt=$1 in=$2 keep=$3 bin=$4
            mount -t tmpfs -o size=9m tessera-full "$mnt" || exit 90
            "$bin" batch "$in" --output "$mnt/out" --no-progress > "$keep/first.out" 2> "$keep/first.err"
            echo $? > "$keep/first.rc"
            find "$mnt/out" -name '.tessera-tmp-*' | wc -l > "$keep/temps"
            mkdir "$keep/first" && cp "$mnt/out"/summary.json "$mnt/out"/catalog.sqlite* "$keep/first/"
            mount -o remount,size=64m "$mnt"
            "$bin" batch "$in" --output "$mnt/out" --no-progress > "$keep/second.out" 2> "$keep/second.err"
            echo $? > "$keep/second.rc"
            """
        let r = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/unshare"),
                            ["-rm", "bash", "-c", script, "bash", mount.path, input, keep.path, CLI.executable.path])
        #expect(r.status == 0, "\(r.stderr)")
        func text(_ name: String) -> String {
            (try? String(contentsOf: keep.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }
        #expect(text("first.rc").hasPrefix("2"), "exit \(text("first.rc")): \(text("first.err"))")
        #expect(text("first.err").contains("the output disk filled up"), "\(text("first.err"))")
        #expect(text("temps").hasPrefix("0"), "partial temporaries left")
        // Every one of the 17 inputs has its row, done or failed with the reason.
        let catalog = try Catalog(path: keep.appendingPathComponent("first/catalog.sqlite").path)
        let rows = try catalog.instances()
        try catalog.close()
        let done = rows.filter { $0.status == .done }, failed = rows.filter { $0.status == .failed }
        #expect(rows.count == 17 && done.count + failed.count == 17 && !done.isEmpty && !failed.isEmpty,
                "\(rows.map(\.status))")
        #expect(failed.allSatisfy { $0.error?.contains("disk is full") == true }, "\(failed.map(\.error))")
        let summary = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: keep.appendingPathComponent("first/summary.json"))) as? [String: Any])
        #expect(summary["done"] as? Int == done.count && summary["failed"] as? Int == failed.count, "\(summary)")
        // Space freed: the rerun does exactly the failed inputs and skips the done ones.
        #expect(text("second.rc").hasPrefix("0"), "exit \(text("second.rc")): \(text("second.err"))")
        let events = text("second.out").split(separator: "\n")
        #expect(events.filter { $0.contains("\"status\":\"skipped\"") }.count == done.count)
        #expect(events.filter { $0.contains("\"status\":\"done\"") }.count == failed.count)
    }

    /// A full disk is recognised by the errno a write carries, not by its
    /// wording; C writers' errors (text only) still count by their words.
    @Test func aFullDiskIsToldFromOtherWriteFailuresByItsErrno() {
        #expect(DiskReserve.isNoSpace(FileOutputError.system(path: "/o/x.json", errno: ENOSPC)))
        #expect(DiskReserve.isNoSpace(FileOutputError.system(path: "/o/x.json", errno: EDQUOT)))
        #expect(!DiskReserve.isNoSpace(FileOutputError.system(path: "/o/x.json", errno: EACCES)))
        #expect(!DiskReserve.isNoSpace(FileOutputError.write(path: "/o", reason: "cannot create folder /o")))
        #expect(DiskReserve.isNoSpace(BatchError.input(path: "/o/a.png", reason: "the PNG writer failed: No space left on device")))
        #expect("\(FileOutputError.system(path: "/o/x.json", errno: ENOSPC))" == "/o/x.json: cannot write (No space left on device)")
    }

    @Test func twoBatchesCannotShareAnOutputFolder() throws {
        let out = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let lock = try OutputLock(folder: out.path)
        let r = try CLI.run(["batch", CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001/000071.dcm").path,
                             "--output", out.path, "--no-progress"])
        #expect(r.status == 1 && r.stderr.contains("another tessera batch (pid \(getpid()))"), "\(r.stderr)")
        withExtendedLifetime(lock) {}
    }

    @Test func namesThatSanitiseAlikeNeverShareAnOutput() {
        let a = safeFileNameComponent("1.2.3/9", fallback: "x"), b = safeFileNameComponent("1.2.3_9", fallback: "x")
        #expect(a != b && b == "1.2.3_9" && a.hasPrefix("1.2.3_9~"))
        #expect(safeFileNameComponent("1.2.840.10008.5", fallback: "x") == "1.2.840.10008.5")
    }

    /// A 2.8 MB-style bomb in miniature: 64 MiB of zeros in a 64 KB zip. It
    /// fails its archive with a clear error; the DICOM beside it is done.
    @Test func aZipBombFailsItsArchiveAndTheBatchGoesOn() throws {
        let out = try Self.scratch(), input = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: input) }
        let made = try CLI.python(["-c", """
            import zipfile, sys
            with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
                z.writestr('bomb.dcm', bytes(64 << 20))
            """, input.appendingPathComponent("bomb.zip").path])
        #expect(made.status == 0, "\(made.stderr)")
        try FileManager.default.copyItem(at: CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001/000071.dcm"),
                                         to: input.appendingPathComponent("slice.dcm"))
        let r = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(r.status == 2)
        let bomb = try #require(r.stdout.split(separator: "\n").first { $0.contains("bomb.zip") && $0.contains("failed") })
        #expect(bomb.contains("zip bomb"), "\(bomb)")
        #expect(r.stdout.contains("\"done\":1"), "\(r.stdout.suffix(300))")
    }

    /// A Latin-1 file name (not UTF-8) is read by its bytes and shown escaped.
    @Test func aNonUTF8FileNameIsReadAndShownEscaped() throws {
        let out = try Self.scratch(), input = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: input) }
        let made = try CLI.python(["-c", """
            import os, shutil, sys
            shutil.copy(sys.argv[1], os.path.join(os.fsencode(sys.argv[2]), b'caf\\xe9.dcm'))
            """, CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001/000071.dcm").path, input.path])
        #expect(made.status == 0, "\(made.stderr)")
        let r = try CLI.run(["batch", input.path, "--output", out.path, "--no-progress"])
        #expect(r.status == 0, "\(r.stdout.suffix(400)) \(r.stderr)")
        #expect(r.stdout.contains("caf\\\\xE9.dcm") && r.stdout.contains("\"status\":\"done\""), "\(r.stdout.prefix(600))")
    }

    @Test func aBasePatchThatIsNotAPowerOfTwoIsAUsageError() throws {
        let r = try CLI.run(["tokenize", CLI.repo.appendingPathComponent("SampleStudies/ct/lidc-idri-0001/000071.dcm").path,
                             "--base-patch", "15", "--output", FileManager.default.temporaryDirectory.path + "/never.tokens.json"])
        #expect(r.status != 0 && r.status < 128, "exit \(r.status): a crash")
        #expect(r.stderr.contains("power of two"), "\(r.stderr)")
    }
}

/// Whether this machine lets an unprivileged process mount a tmpfs in a
/// private user+mount namespace (the disk-full test's small disk).
enum DiskFullSandbox {
    static let available: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-mount-probe-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try? CLI.run(executable: URL(fileURLWithPath: "/usr/bin/unshare"),
                             ["-rm", "mount", "-t", "tmpfs", "-o", "size=1m", "tessera-probe", dir.path])
        return r?.status == 0
    }()
}

