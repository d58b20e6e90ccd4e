import ArgumentParser
import Batch
import DicomIO
import FileOutput
import Foundation
import TesseraSupport
import Tiling

/// `tessera batch INPUT… --output DIR`. Its options sit on `batch` itself, so
/// `tessera help batch` shows them; `tessera batch merge` (shards) is routed
/// to BatchMergeCommand by `Tessera.main`, since a command whose arguments are
/// any paths cannot also own subcommands in swift-argument-parser.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Tokenize whole archives: parallel, resumable, shardable; nothing lost.",
        discussion: """
            INPUT is any mix of folders (recursive), zip archives of DICOM, DICOMDIR files and \
            single files (DICOM, PNG, JPEG). Outputs are laid out by UID (sanitised, so nothing \
            a file says can write outside DIR):
              DIR/<StudyUID>/<SeriesUID>/<SOPInstanceUID>[_f<frame>].tokens.json
              DIR/<StudyUID>/<SeriesUID>/series.json      slices, tokens, reduction, assembly findings
              DIR/summary.json, DIR/summary.csv, DIR/catalog.sqlite (study, series, instance, frame rows)
            With --heatmaps, next to each token map: <name>.heatmap.png, and for DICOM inputs \
            <name>.seg.dcm (DICOM SEG) and <name>.sc.dcm (Secondary Capture), as `tessera heatmap` \
            writes them; with --patches, <name>.patches.npy and <name>.positions.npy; with \
            --outputs tokens,safetensors, <name>.tokens.safetensors (tensors for a ViT, \
            docs/tokens-format.md) and DIR/tokens-index.csv (path, frame, tokens per row, for a \
            token-budget sampler); with --rois \
            DIR, each frame's annotated ROIs are checked (resolved / skipped in the catalog and summaries).
            Every file is written under a temporary name and renamed; the catalog is updated \
            after the rename. Re-running into the same DIR (or --resume) skips files whose \
            content and profile hashes match a done row and redoes the rest; temporaries of a \
            killed run are removed. Bad files never stop the batch: they get a failed row with \
            the reason. An input repeating an earlier input's SOP Instance UID (in name order) \
            is a duplicate when its bytes are the same (recorded, not tokenized again) and is \
            written as <SOPInstanceUID>~<8 hex of its content hash> when they differ. \
            Exit status: 0 all done, 2 some inputs failed, 1 usage errors.

            Shards: --shard I/N takes the studies whose StudyInstanceUID hashes to I (0-based); \
            without it, SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX with \
            --shard-count are used. Combine shard folders with `tessera batch merge --output DIR SHARD…` \
            (see `tessera batch merge --help`).

              tessera batch SampleStudies --output out/batch
              tessera batch export.zip more/ --output out --jobs 8 --no-progress
              tessera batch SampleStudies/ct --output out/vit --outputs tokens,safetensors
            """
    )

    @Argument(help: "Folders, zip archives, DICOMDIR files or single files.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output folder DIR.")
    var output: String

    @OptionGroup var profile: ProfileOptions

    @OptionGroup var parallel: ParallelOptions

    @Option(help: "This process's shard, I/N (0-based I).")
    var shard: String?

    @Option(help: "Shard count for JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).")
    var shardCount: Int?

    @Flag(help: "Skip work already done (also the default when DIR has a catalog).")
    var resume = false

    @Flag(help: "No progress bar: print one JSON line per file and a summary line (for HPC logs).")
    var noProgress = false

    @Option(name: .customLong("max-pixel-mib"), help: "Refuse objects whose decoded pixels exceed this many MiB.")
    var maxPixelMiB: UInt64 = 2048

    @Flag(help: "Also write a heatmap PNG, DICOM SEG and Secondary Capture per frame (see above).")
    var heatmaps = false

    @Option(help: "Longest side of the heatmap PNG and Secondary Capture; 0 = full resolution.")
    var heatmapMaxSize = 1024

    @Option(help: ArgumentHelp("Folder of tessera.rois/1 files named <SOPInstanceUID>.rois.json (as `tessera rois from-lidc` writes).", discussion: """
        Each frame's annotated ROIs are checked against the coverage rule: the catalog's frame rows, \
        summary.json and summary.csv record how many were resolved and which were skipped, and \
        heatmaps outline them.
        """))
    var rois: String?

    @Flag(help: "Also write <name>.patches.npy and <name>.positions.npy next to each token map (as tokenize --patches).")
    var patches = false

    @Option(help: ArgumentHelp("What to write per frame, comma-separated: tokens (always), safetensors, npy, heatmaps.",
                               discussion: "--heatmaps and --patches are shorthands for adding heatmaps and npy."))
    var outputs = BatchOutputList([.tokens])

    func validate() throws {
        guard heatmapMaxSize == 0 || heatmapMaxSize >= 16 else { throw ValidationError("--heatmap-max-size must be 0 or at least 16") }
        _ = try shardSpec()
    }

    func shardSpec() throws -> (index: Int, count: Int)? {
        let env = ProcessInfo.processInfo.environment
        var text = shard
        if text == nil, let i = env["SLURM_ARRAY_TASK_ID"], let n = env["SLURM_ARRAY_TASK_COUNT"] { text = "\(i)/\(n)" }
        if text == nil, let i = env["JOB_COMPLETION_INDEX"] {
            guard let n = shardCount else { throw ValidationError("JOB_COMPLETION_INDEX is set: give --shard-count") }
            text = "\(i)/\(n)"
        }
        guard let text else { return nil }
        let parts = text.split(separator: "/").compactMap { Int($0) }
        guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else {
            throw ValidationError("shard '\(text)' is not I/N with 0 ≤ I < N")
        }
        return (parts[0], parts[1])
    }

    func run() async throws {
        let start = DispatchTime.now().uptimeNanoseconds
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let lock = try OutputLock(folder: output)
        defer { withExtendedLifetime(lock) {} }
        let stale = AtomicWrite.removeStale(under: output)
        // Held until the summary is written: a disk that fills mid-run still
        // has room for every input's row and the summary.
        let reserve: DiskReserve
        do { reserve = try DiskReserve(output: output) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        defer { reserve.release() }
        var options = BatchOptions(output: output)
        options.profile = profile.profile
        options.jobs = parallel.jobs
        options.shard = try shardSpec()
        options.decode = DecodeOptions(maxDecodedBytes: maxPixelMiB << 20)
        let kinds = outputs.kinds
        if heatmaps || kinds.contains(.heatmaps) { options.heatmaps = HeatmapSettings(maxSize: heatmapMaxSize > 0 ? heatmapMaxSize : nil) }
        options.rois = try rois.map { try ROIFolder(path: $0) }
        options.patches = patches || kinds.contains(.npy)
        options.safetensors = kinds.contains(.safetensors)
        // All on this thread while DCMTK's dictionary loads on the other
        // core (its end is when the first file can be read): one more
        // thread here would only slow the dictionary down.
        let profiles = try ProfileSet(profile.profile)
        let catalog = try Catalog(path: output + "/catalog.sqlite")
        let (inputs, problems) = try InputCollector.collect(self.inputs, workFolder: output + "/.work")
        guard !inputs.isEmpty || !problems.isEmpty else {
            throw ValidationError("no files in \(self.inputs.joined(separator: ", ")): give DICOM files, folders of them, "
                                  + "zip archives, DICOMDIR files, PNG or JPEG")
        }
        for (path, reason) in problems {
            try catalog.record(Catalog.Instance(input: path, status: .failed, error: reason, frames: 0, seconds: 0),
                               frames: [], modality: nil, description: nil)
        }
        let reporter = ProgressReporter(total: inputs.count + problems.count, jsonLines: noProgress || isatty(2) == 0)
        if stale > 0 { reporter.note("removed \(stale) temporary file(s) left by an interrupted run") }
        // Inputs that failed before reading (a missing path, a zip bomb) are reported like any other.
        for (path, reason) in problems { reporter.update(BatchEvent(input: path, status: .failed, frames: 0, tokens: 0, error: reason)) }
        let outcome = await BatchRunner(options: options, reserve: reserve).run(inputs, catalog: catalog, profiles: profiles) { reporter.update($0) }
        let events = outcome.events
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let shardText = options.shard.map { "\($0.index)/\($0.count)" }
        let summary: BatchSummary
        do {
            summary = try await BatchSummary.write(catalog: catalog, events: events + problems.map {
                BatchEvent(input: $0.0, status: .failed, frames: 0, tokens: 0, error: $0.1)
            }, seconds: seconds, profiles: profiles.hashes, shard: shardText, inputs: inputs, layout: OutputLayout(root: output),
               headers: outcome.headers, tokensIndex: options.safetensors, closingCatalog: true)
        } catch {
            // Inputs were processed but the summary could not be written
            // (a full disk): a failed batch, not a usage error.
            FileHandle.standardError.write(Data("error: \(output): the batch summary could not be written: \(error)\n".utf8))
            throw ExitCode(2)
        }
        reporter.finish(summary, output: output)
        if reserve.isFull {
            FileHandle.standardError.write(Data(("error: \(output): the output disk filled up (\(reserve.fullReason)); every input has its row "
                + "(the rest are marked not attempted) and summary.json is written; free space and run again with --resume\n").utf8))
        }
        if summary.failed > 0 { throw ExitCode(2) }
    }
}

struct BatchMergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera batch merge",
        abstract: "Merge shard output folders into one (outputs, catalogs, summaries).",
        discussion: "  tessera batch merge --output out/all out/shard-0 out/shard-1"
    )

    @Argument(help: "Shard output folders.")
    var shards: [String]

    @Option(name: .shortAndLong, help: "Merged output folder.")
    var output: String

    func run() async throws {
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let catalog = try Catalog(path: output + "/catalog.sqlite")
        var tensors = false
        for argument in shards {
            let shard = argument.count > 1 && argument.hasSuffix("/") ? String(argument.dropLast()) : argument
            guard FileManager.default.fileExists(atPath: shard + "/catalog.sqlite") else {
                throw ValidationError("\(shard) has no catalog.sqlite: not a batch output folder")
            }
            for file in FileScanner.files(under: shard) {
                let relative = String(file.dropFirst(shard.count + 1))
                let name = (relative as NSString).lastPathComponent
                let outputs = [".tokens.json", ".tokens.safetensors", ".heatmap.png", ".seg.dcm", ".sc.dcm", ".patches.npy", ".positions.npy"]
                guard outputs.contains(where: { name.hasSuffix($0) }) || name == "series.json" else { continue }
                if name.hasSuffix(".tokens.safetensors") { tensors = true }
                try AtomicWrite.write([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))), to: output + "/" + relative)
            }
            try catalog.merge(from: shard + "/catalog.sqlite")
        }
        // Sharding is by study, so each series.json came whole from one shard.
        let summary = try await BatchSummary.write(catalog: catalog, events: [], seconds: 0, profiles: [:], shard: nil, inputs: [],
                                                   layout: OutputLayout(root: output), seriesSummaries: false, tokensIndex: tensors,
                                                   closingCatalog: true)
        print("merged \(shards.count) shard(s): \(summary.frames) frame(s), \(summary.failed) failed → \(output)")
    }
}

/// A progress bar with rate and ETA on a terminal, JSON lines otherwise.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let jsonLines: Bool
    private var done = 0
    private var frames = 0
    private let start = DispatchTime.now().uptimeNanoseconds

    init(total: Int, jsonLines: Bool) { self.total = total; self.jsonLines = jsonLines }

    func note(_ text: String) {
        if jsonLines { write("{\"event\":\"note\",\"message\":" + JSONWriter.quote(text) + "}\n") }
        else { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    func update(_ e: BatchEvent) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        frames += e.frames
        if jsonLines {
            // JSON lines are written by hand, keys in sorted order:
            // JSONSerialization cost 2% of a batch's CPU, one line per file.
            let error = e.error.map { "\"error\":" + JSONWriter.quote($0) + "," } ?? ""
            let conservative = e.profile == nil ? "" : "\"conservativeFrames\":\(e.conservativeFrames),"
                + (e.conservativeReason.map { "\"conservativeReason\":" + JSONWriter.quote($0) + "," } ?? "")
            var tail = ",\"status\":" + JSONWriter.quote(e.status.rawValue) + ",\"tokens\":\(e.tokens)"
            if let p = e.profile { tail = ",\"profile\":" + JSONWriter.quote(p) + (e.region.map { ",\"region\":" + JSONWriter.quote($0) } ?? "") + tail }
            write("{" + conservative + error + "\"event\":\"file\",\"frames\":\(e.frames),\"input\":" + JSONWriter.quote(e.input)
                  + tail + "}\n")
            return
        }
        if e.conservativeFrames > 0 {
            // One line per conservatively tokenized input, above the bar.
            FileHandle.standardError.write(Data(("\rwarning: \(e.input): \(e.conservativeFrames) frame(s) tokenized conservatively "
                + "(every foreground cell at basePatch): \(e.conservativeReason ?? "")\n").utf8))
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rate = Double(done) / max(elapsed, 1e-3)
        let eta = Double(total - done) / max(rate, 1e-9)
        let width = 30, filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %d/%d files  %.1f files/s  ETA %d:%02d ", bar, done, total,
                                                   rate, Int(eta) / 60, Int(eta) % 60).utf8))
    }

    func finish(_ s: BatchSummary, output: String) {
        if jsonLines {
            var fields = ["\"done\":\(s.done)", "\"duplicates\":\(s.duplicates)", "\"event\":\"summary\"",
                          "\"failed\":\(s.failed)", "\"frames\":\(s.frames)", "\"output\":" + JSONWriter.quote(output),
                          "\"reduction\":" + JSONWriter.number(s.reduction)]
            if let rois = s.rois, let resolved = s.roisResolved { fields += ["\"rois\":\(rois)", "\"roisResolved\":\(resolved)"] }
            fields.insert("\"conservativeFrames\":\(s.conservativeFrames ?? 0)", at: 0)
            fields += ["\"seconds\":" + JSONWriter.number(s.seconds), "\"skipped\":\(s.skippedUpToDate)"]
            write("{" + fields.joined(separator: ",") + "}\n")
            return
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print("\(s.done) file(s) tokenized, \(s.skippedUpToDate) up to date, \(s.failed) failed, \(s.duplicates) duplicate(s), \(s.ignored) ignored; "
              + "\(s.frames) frame(s), token reduction \(String(format: "%.1f%%", s.reduction * 100)), "
              + String(format: "%.1f s (%.0f frames/s)", s.seconds, s.framesPerSecond))
        for f in s.failures.prefix(20) { print("  failed: \(f.input): \(f.error)") }
        if let n = s.conservativeFrames, n > 0 {
            print("\(n) frame(s) tokenized conservatively (outside their profile's calibrated distribution; "
                  + "summary.csv and the catalog say why)")
        }
        if let rois = s.rois, let resolved = s.roisResolved {
            print("ROIs: \(resolved)/\(rois) resolved" + (resolved < rois ? " — skipped ROIs are listed in summary.json" : ""))
            for r in (s.skippedROIs ?? []).prefix(20) { print("  skipped: \(r)") }
        }
        print("Token maps: \(output)/<StudyUID>/<SeriesUID>/…tokens.json; summary: \(output)/summary.json, "
              + "\(output)/summary.csv; catalog: \(output)/catalog.sqlite")
    }

    private func write(_ line: String) { FileHandle.standardOutput.write(Data(line.utf8)) }
}
