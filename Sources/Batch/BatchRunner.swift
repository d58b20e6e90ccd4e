import Annotations
import DicomIO
import Export
import FileOutput
import Foundation
import Imaging
import Scoring
import TesseraSupport
import Tiling

public struct BatchOptions: Sendable {
    public var output: String
    /// "auto" picks by modality / file type.
    public var profile: String = "auto"
    public var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    public var shard: (index: Int, count: Int)?
    public var decode: DecodeOptions = .default
    /// Also write `<name>.heatmap.png` (and for DICOM `<name>.seg.dcm`,
    /// `<name>.sc.dcm`) next to each token map; PNG and SC at most this many
    /// pixels on the longest side.
    public var heatmaps: HeatmapSettings?
    /// `--rois DIR`: coverage of annotated ROIs per frame, outlines on heatmaps.
    public var rois: ROIFolder?
    /// Also write `<name>.patches.npy` and `<name>.positions.npy` per frame.
    public var patches = false
    /// Also write `<name>.tokens.safetensors` (tessera.tokens/1) per frame.
    public var safetensors = false

    public init(output: String) { self.output = output }
}

public struct HeatmapSettings: Sendable {
    public var maxSize: Int?
    public init(maxSize: Int?) { self.maxSize = maxSize }

    /// The heatmap files belonging to a token map.
    static func outputs(forTokenMap path: String, dicom: Bool) -> HeatmapOutputs {
        let stem = BatchRunner.outputStem(path)
        return HeatmapOutputs(png: stem + ".heatmap.png", segmentation: dicom ? stem + ".seg.dcm" : nil,
                              secondaryCapture: dicom ? stem + ".sc.dcm" : nil)
    }

    static func paths(_ o: HeatmapOutputs) -> [String] { [o.png, o.segmentation, o.secondaryCapture].compactMap { $0 } }
}

/// What happened to one input file in this run.
public struct BatchEvent: Sendable, Codable {
    public var input: String
    public var status: BatchStatus
    public var frames: Int
    public var tokens: Int
    public var error: String?
    /// Done inputs: the profile, the body region (first frame), and how
    /// many frames were outside the profile's calibrated distribution.
    public var profile: String?
    public var region: String?
    public var conservativeFrames: Int = 0
    public var conservativeReason: String?

    public init(input: String, status: BatchStatus, frames: Int, tokens: Int, error: String?) {
        self.input = input; self.status = status; self.frames = frames; self.tokens = tokens; self.error = error
    }
}

/// Runs a batch: every frame of every image is tokenized, in parallel up to
/// `jobs` files at a time, frame by frame (memory stays flat), outputs
/// written atomically, the catalog updated after each file.
public struct BatchRunner: Sendable {
    public let options: BatchOptions
    public let layout: OutputLayout
    /// Room kept for the catalog when the output disk fills (nil: none kept).
    public let reserve: DiskReserve?

    public init(options: BatchOptions, reserve: DiskReserve? = nil) {
        self.options = options
        layout = OutputLayout(root: options.output)
        self.reserve = reserve
    }

    /// What a run did, and the headers its files were read with (by input name),
    /// which the series summaries reuse instead of parsing every file again.
    public struct Outcome: Sendable {
        public var events: [BatchEvent]
        public var headers: [String: ImageHeader]
    }

    public func run(_ inputs: [BatchInput], catalog: Catalog, profiles: ProfileSet,
                    progress: @escaping @Sendable (BatchEvent) -> Void) async -> Outcome {
        DicomFile.initializeCodecs()  // before the tasks start, if no caller has yet
        // Nothing done yet (a fresh folder): no file can be up to date.
        let resuming = (try? catalog.hasDoneInstances()) ?? true
        // The done rows a resume compares file stamps with, read once.
        let done = resuming ? ((try? catalog.doneRows()) ?? [:]) : [:]
        // Inputs an earlier run was reading when it crashed (not when it was
        // killed from outside): their crash counts.
        let marker = CrashMarker.path(output: options.output)
        let crashed = (try? catalog.settleAttempts(crashed: FileManager.default.fileExists(atPath: marker))) ?? [:]
        unlink(marker)
        CrashMarker.install(path: marker)
        let registry = InstanceRegistry(count: inputs.count)
        let results = await boundedConcurrentMap(Array(inputs.enumerated()), limit: options.jobs) {
            index, input -> (event: BatchEvent, header: ImageHeader?) in
            if let reserve, reserve.isFull {
                await registry.settle(index, input)
                let event = notAttempted(input, reason: reserve.fullReason, catalog: catalog)
                progress(event)
                return (event, nil)
            }
            if let starts = crashed[input.name], starts >= Self.retriesAfterCrash + 1 {
                await registry.settle(index, input)
                let event = quarantine(input, starts: starts, catalog: catalog)
                progress(event)
                return (event, nil)
            }
            let outcome = await process(input, catalog: catalog, profiles: profiles, resuming: resuming, done: done) {
                await registry.register(index, input, sopUID: $0, hash: $1)
            }
            await registry.settle(index, input)
            progress(outcome.event)
            return outcome
        }
        var headers: [String: ImageHeader] = [:]
        for (input, (_, header)) in zip(inputs, results) { headers[input.name] = header }
        return Outcome(events: results.map(\.0), headers: headers)
    }

    /// Size, modification time (ns) and inode: what make and rsync compare.
    static func fileStamp(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return "\(st.st_size):\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec):\(st.st_ino)"
    }

    /// An input that was being read when earlier runs died is retried once;
    /// after that it is quarantined: a failed row, never read again.
    static let retriesAfterCrash = 1

    func quarantine(_ input: BatchInput, starts: Int, catalog: Catalog) -> BatchEvent {
        let reason = "crashed a previous run (\(starts) runs crashed while reading it); quarantined, not read again"
        try? catalog.record(Catalog.Instance(input: input.name, status: .failed, error: reason, frames: 0, seconds: 0),
                            frames: [], modality: nil, description: nil, keepsAttempt: true)
        return BatchEvent(input: input.name, status: .failed, frames: 0, tokens: 0, error: reason)
    }

    /// After the output disk filled: a failed row, so that the input is
    /// accounted for and a resumed run (with space freed) does it.
    func notAttempted(_ input: BatchInput, reason: String, catalog: Catalog) -> BatchEvent {
        let error = "not attempted: the output disk is full (\(reason)); free space and run again with --resume"
        try? catalog.record(Catalog.Instance(input: input.name, status: .failed, error: error, frames: 0, seconds: 0),
                            frames: [], modality: nil, description: nil)
        return BatchEvent(input: input.name, status: .failed, frames: 0, tokens: 0, error: error)
    }

    /// Tokenizes every frame of one input; also returns its header (the
    /// series summaries use it). `resuming: false` (the catalog has no done
    /// rows) skips the up-to-date check. `identify` is called once the SOP
    /// Instance UID is read (nil for photographs) and tells a repeated
    /// instance's role (`InstanceRegistry`).
    func process(_ input: BatchInput, catalog: Catalog, profiles: ProfileSet, resuming: Bool = true,
                 done: [String: Catalog.DoneRow] = [:],
                 identify: (_ sopUID: String?, _ hash: String?) async -> InstanceRegistry.Role)
        async -> (event: BatchEvent, header: ImageHeader?) {
        let start = DispatchTime.now().uptimeNanoseconds
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var instance = Catalog.Instance(input: input.name, status: .failed, frames: 0, seconds: 0)
        func ignored(_ reason: String?) -> (BatchEvent, ImageHeader?) {
            try? catalog.clearStarted(input.name)
            return (BatchEvent(input: input.name, status: .ignored, frames: 0, tokens: 0, error: reason), nil)
        }
        let stamp = Self.fileStamp(input.path)
        instance.fileStat = stamp
        do {
            // Resume: an input whose done row matches its file stamp,
            // profile and options, with every output in place, is skipped
            // unread (ROI options depend on the instance's UID: those are
            // checked the long way).
            if let row = done[input.name], try isUnchanged(input, stamp: stamp, since: row, profiles: profiles) {
                _ = await identify(row.sopUID, row.inputHash)  // a later copy of it is still a duplicate
                return (BatchEvent(input: input.name, status: .skipped, frames: row.outputs.count, tokens: 0, error: nil), nil)
            }
            // Before anything reads the file: if this process dies in a
            // decoder, the next run finds the mark (crash isolation).
            try catalog.markStarted(input.name)
            if let shard = options.shard {
                guard let study = try studyShard(input, shard: shard) else {  // a photograph: sharded by name
                    _ = await identify(nil, nil)
                    return (try photo(input, loader: nil, catalog: catalog, profiles: profiles, resuming: resuming), nil)
                }
                if !study.isMine {
                    _ = await identify(study.sopUID, nil)
                    return ignored(nil)
                }
            }
            let loader: ImageLoader
            // The content hash comes from the same read.
            do { loader = try ImageLoader(path: input.path, options: options.decode, hashingContent: true) } catch {
                if case .dicom(.noPixelData) = error { return ignored("no pixel data") }
                throw error
            }
            guard let header = loader.dicomHeader else {
                _ = await identify(nil, nil)
                return (try photo(input, loader: loader, catalog: catalog, profiles: profiles, resuming: resuming), nil)
            }
            instance.sopUID = header.sopInstanceUID
            instance.seriesUID = header.seriesInstanceUID
            instance.studyUID = header.studyInstanceUID
            let hash = try loader.contentHash ?? InputCollector.contentHash(input.path)
            var conflictSuffix: String?
            switch await identify(header.sopInstanceUID, hash) {
            case .owner: break
            case .conflict(let suffix): conflictSuffix = suffix
            case .duplicate(let owner): return (try recordDuplicate(input, of: owner, catalog: catalog), nil)
            }
            let profile = try profiles.profile(for: loader.domain)
            instance.inputHash = hash
            instance.profileSHA256 = profile.sha256
            instance.options = try outputOptions(sop: header.sopInstanceUID, frames: loader.frames)
            if resuming, let outputs = try catalog.isDone(input: input.name, inputHash: hash, profileSHA256: profile.sha256,
                                                options: instance.options ?? ""),
               outputs.count == loader.frames, outputs.allSatisfy({ outputsExist(options.output + "/" + $0, dicom: true) }) {
                try catalog.clearStarted(input.name)
                return (BatchEvent(input: input.name, status: .skipped, frames: outputs.count, tokens: 0, error: nil), header)
            }
            let (frames, tokens, conservativeFrames) = try tokenizeFrames(input, loader: loader, header: header, profile: profile,
                                                                          conflictSuffix: conflictSuffix)
            instance.status = .done
            instance.frames = frames.count
            instance.seconds = seconds()
            try catalog.record(instance, frames: frames, modality: header.modality, description: header.seriesDescription)
            return (Self.doneEvent(input, frames: frames, tokens: tokens, conservative: conservativeFrames, profile: profile), header)
        } catch {
            instance.seconds = seconds()
            return (recordFailure(error, of: instance, catalog: catalog), nil)
        }
    }

    /// Sharded runs read the header alone first: the Study Instance UID
    /// decides whether this process reads the rest at all. nil for a
    /// photograph (no header; `photo` shards it by name).
    func studyShard(_ input: BatchInput, shard: (index: Int, count: Int)) throws -> (isMine: Bool, sopUID: String?)? {
        let header: ImageHeader
        do { header = try ImageHeader(file: DicomFile(path: input.path, extent: .header)) } catch {
            if case .notDicom = error, ImageLoader.isPhotograph(path: input.path) { return nil }
            throw error
        }
        let mine = Int(stableHash(header.studyInstanceUID ?? input.name) % UInt64(shard.count)) == shard.index
        return (mine, header.sopInstanceUID)
    }

    /// A second input with an earlier input's SOP Instance UID and bytes: recorded, not tokenized.
    func recordDuplicate(_ input: BatchInput, of owner: String, catalog: Catalog) throws -> BatchEvent {
        let note = "identical to \(owner) (same SOP Instance UID and bytes), which is the one tokenized"
        try catalog.record(Catalog.Instance(input: input.name, status: .duplicate, error: note, frames: 0, seconds: 0),
                           frames: [], modality: nil, description: nil)
        return BatchEvent(input: input.name, status: .duplicate, frames: 0, tokens: 0, error: note)
    }

    static func doneEvent(_ input: BatchInput, frames: [Catalog.Frame], tokens: Int, conservative: Int,
                          profile: LoadedProfile) -> BatchEvent {
        var event = BatchEvent(input: input.name, status: .done, frames: frames.count, tokens: tokens, error: nil)
        event.profile = profile.profile.name
        event.region = frames.first?.region
        event.conservativeFrames = conservative
        event.conservativeReason = frames.first { $0.conservative == true }?.conservativeReason
        return event
    }

    /// The failed row and event for an input; on a full output disk the
    /// reserve is freed first, so that this row can be written.
    func recordFailure(_ error: any Error, of instance: Catalog.Instance, catalog: Catalog) -> BatchEvent {
        var instance = instance
        instance.status = .failed
        instance.error = describeError(error)
        if let reserve, reserve.noteFailure(error, output: options.output) {
            instance.error = "the output disk is full: \(error)"
        }
        try? catalog.record(instance, frames: [], modality: nil, description: nil)
        return BatchEvent(input: instance.input, status: .failed, frames: 0, tokens: 0, error: instance.error)
    }

    /// Every frame of a DICOM input: tokenized, side outputs written, then the
    /// token map (its rename marks the frame done). Returns the frame rows,
    /// the token count and how many frames were tokenized conservatively.
    func tokenizeFrames(_ input: BatchInput, loader: ImageLoader, header: ImageHeader, profile: LoadedProfile,
                        conflictSuffix: String?) throws -> (frames: [Catalog.Frame], tokens: Int, conservative: Int) {
        var frames: [Catalog.Frame] = []
        var tokens = 0, conservativeFrames = 0
        for f in 0..<loader.frames {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let plane = try loader.plane(frame: f)
            let tokenized = Tokenizer.tokenize(plane, source: loader.source(frame: f), domain: loader.domain, profile: profile)
            let map = tokenized.map
            let path = layout.tokenMap(study: header.studyInstanceUID, series: header.seriesInstanceUID,
                                       sop: header.sopInstanceUID.map { $0 + (conflictSuffix ?? "") },
                                       fallbackName: fallbackName(input), frame: f, frames: loader.frames)
            let annotated: (rois: [ROI], file: String?) = try options.rois?.rois(
                sop: header.sopInstanceUID, frame: f, rows: plane.rows, columns: plane.columns) ?? ([], nil)
            let coverage = Coverage.evaluate(map, rois: annotated.rois)
            // Side outputs first: the token map's rename marks the frame done.
            try writeHeatmaps(tokenized, plane: plane, source: loader.dicomHeader, frame: f, profile: profile,
                              rois: annotated.rois, coverage: coverage, tokenMap: path)
            try writePatches(tokenized, tokenMap: path)
            try writeTensors(tokenized, tokenMap: path)
            try AtomicWrite.write(TokenMapJSON.bytes(map), to: path)
            tokens += map.stats.tokenCount
            frames.append(Catalog.Frame(input: input.name, frame: f, status: .done, output: relative(path),
                                        tokens: map.stats.tokenCount, uniformTokens: map.stats.uniformTokenCount,
                                        reduction: map.stats.reduction,
                                        seconds: Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9,
                                        rois: annotated.file == nil ? nil : coverage.count,
                                        roisResolved: annotated.file == nil ? nil : coverage.filter { $0.resolved }.count,
                                        skippedROIs: coverage.filter { !$0.resolved }.map { $0.id },
                                        profile: profile.profile.name, region: map.assessment?.region,
                                        conservative: map.assessment?.conservative,
                                        conservativeReason: map.assessment?.conservativeReason))
            conservativeFrames += map.assessment?.conservative == true ? 1 : 0
        }
        return (frames, tokens, conservativeFrames)
    }

    /// A done row still stands for the input: same file stamp, profile and
    /// output options, and every output in place (ROI options depend on the
    /// instance's UID: with --rois the long way decides).
    func isUnchanged(_ input: BatchInput, stamp: String?, since row: Catalog.DoneRow, profiles: ProfileSet) throws -> Bool {
        guard let stamp, options.rois == nil, row.fileStat == stamp, profiles.hashes.values.contains(row.profileSHA256),
              row.options == (try outputOptions(sop: nil, frames: 0)) else { return false }
        let dicom = !ImageLoader.isPhotograph(path: input.path)
        return row.outputs.allSatisfy { outputsExist(options.output + "/" + $0, dicom: dicom) }
    }

    /// Photographs have no UIDs: they go under photographs/images/<name>~<hash>.
    /// `loader`: the photograph already opened, if it was.
    func photo(_ input: BatchInput, loader opened: ImageLoader?, catalog: Catalog, profiles: ProfileSet,
               resuming: Bool) throws -> BatchEvent {
        if let s = options.shard, Int(stableHash(input.name) % UInt64(s.count)) != s.index {
            try catalog.clearStarted(input.name)
            return BatchEvent(input: input.name, status: .ignored, frames: 0, tokens: 0, error: nil)
        }
        let hash = try InputCollector.contentHash(input.path)
        let loader = try opened ?? ImageLoader(path: input.path)
        let profile = try profiles.profile(for: loader.domain)
        let path = layout.tokenMap(study: "photographs", series: "images", sop: nil, fallbackName: fallbackName(input), frame: 0, frames: 1)
        let options = try outputOptions(sop: nil, frames: 1)
        if resuming, let outputs = try catalog.isDone(input: input.name, inputHash: hash, profileSHA256: profile.sha256, options: options),
           outputs.count == 1, outputsExist(path, dicom: false) {
            try catalog.clearStarted(input.name)
            return BatchEvent(input: input.name, status: .skipped, frames: 1, tokens: 0, error: nil)
        }
        let plane = try loader.plane(frame: 0)
        let tokenized = Tokenizer.tokenize(plane, source: loader.source(frame: 0), domain: loader.domain, profile: profile)
        let map = tokenized.map
        try writeHeatmaps(tokenized, plane: plane, source: nil, frame: 0, profile: profile, rois: [], tokenMap: path)
        try writePatches(tokenized, tokenMap: path)
        try writeTensors(tokenized, tokenMap: path)
        try AtomicWrite.write(TokenMapJSON.bytes(map), to: path)
        let instance = Catalog.Instance(input: input.name, status: .done, frames: 1, inputHash: hash, profileSHA256: profile.sha256,
                                        seconds: 0, options: options, fileStat: Self.fileStamp(input.path))
        let a = map.assessment
        let reason = a?.conservativeReason
        try catalog.record(instance, frames: [Catalog.Frame(input: input.name, frame: 0, status: .done, output: relative(path),
                                                            tokens: map.stats.tokenCount, uniformTokens: map.stats.uniformTokenCount,
                                                            reduction: map.stats.reduction, seconds: 0, profile: profile.profile.name,
                                                            region: a?.region, conservative: a?.conservative,
                                                            conservativeReason: reason)],
                           modality: nil, description: nil)
        var event = BatchEvent(input: input.name, status: .done, frames: 1, tokens: map.stats.tokenCount, error: nil)
        event.profile = profile.profile.name
        event.region = a?.region
        event.conservativeFrames = a?.conservative == true ? 1 : 0
        event.conservativeReason = reason
        return event
    }

    /// The output options that decide what a done row holds: heatmaps and
    /// their size, patches, and the instance's ROI files.
    func outputOptions(sop: String?, frames: Int) throws -> String {
        var parts: [String] = []
        if let h = options.heatmaps { parts.append("heatmaps=\(h.maxSize.map(String.init) ?? "full")") }
        if options.patches { parts.append("patches") }
        if options.safetensors { parts.append("safetensors") }
        if let rois = options.rois { parts.append("rois=" + (try rois.fingerprint(sop: sop, frames: frames))) }
        return parts.joined(separator: ";")
    }

    func writeHeatmaps(_ tokenized: TokenizedImage, plane: ImagePlane, source: ImageHeader?, frame: Int,
                       profile: LoadedProfile, rois: [ROI], coverage: [CoverageResult] = [], tokenMap: String) throws {
        guard let settings = options.heatmaps else { return }
        try HeatmapExport.write(tokenized, plane: plane, source: source, frame: frame, profileName: profile.profile.name,
                                rois: rois, coverage: coverage, options: HeatmapOptions(maxSize: settings.maxSize),
                                outputs: HeatmapSettings.outputs(forTokenMap: tokenMap, dicom: source != nil))
    }

    /// `<name>.patches.npy` (float32 [tokens, basePatch, basePatch]) and
    /// `<name>.positions.npy` (int32 [tokens, 6]: x, y, w, h, level, code).
    func writePatches(_ tokenized: TokenizedImage, tokenMap: String) throws {
        guard options.patches else { return }
        let (patches, positions) = Self.patchPaths(tokenMap)
        let n = tokenized.map.tokens.count, side = tokenized.map.basePatch
        try AtomicWrite.write(NumpyWriter.float32(tokenized.patches(), shape: [n, side, side]), to: patches)
        try AtomicWrite.write(NumpyWriter.int32(tokenized.positions(), shape: [n, 6]), to: positions)
    }

    /// `<name>.tokens.safetensors`: the tokens as tensors for a ViT.
    func writeTensors(_ tokenized: TokenizedImage, tokenMap: String) throws {
        guard options.safetensors else { return }
        try AtomicWrite.write(TokenTensors.safetensors(tokenized), to: Self.tensorPath(tokenMap))
    }

    /// A token map's path without `.tokens.json`: every side output of a
    /// frame is named from it.
    static func outputStem(_ tokenMap: String) -> String {
        tokenMap.hasSuffix(".tokens.json") ? String(tokenMap.dropLast(".tokens.json".count)) : tokenMap
    }

    public static func tensorPath(_ tokenMap: String) -> String {
        outputStem(tokenMap) + ".tokens.safetensors"
    }

    static func patchPaths(_ tokenMap: String) -> (String, String) {
        let stem = outputStem(tokenMap)
        return (stem + ".patches.npy", stem + ".positions.npy")
    }

    /// A done frame's token map exists, and its heatmaps and patches when they are asked for.
    func outputsExist(_ tokenMap: String, dicom: Bool) -> Bool {
        let fm = FileManager.default
        var required = [tokenMap]
        if options.heatmaps != nil { required += HeatmapSettings.paths(HeatmapSettings.outputs(forTokenMap: tokenMap, dicom: dicom)) }
        if options.patches { let p = Self.patchPaths(tokenMap); required += [p.0, p.1] }
        if options.safetensors { required.append(Self.tensorPath(tokenMap)) }
        return required.allSatisfy { fm.fileExists(atPath: $0) }
    }

    /// Inputs without an SOP Instance UID (photographs, broken headers) are
    /// named after their file plus a hash of the full input name, so two
    /// `photo.png` from different folders never share an output.
    func fallbackName(_ input: BatchInput) -> String {
        ((input.name as NSString).lastPathComponent as NSString).deletingPathExtension
            + "~" + String(String(stableHash(input.name), radix: 16).prefix(8))
    }

    func relative(_ path: String) -> String {
        path.hasPrefix(options.output + "/") ? String(path.dropFirst(options.output.count + 1)) : path
    }
}

/// The profile per domain ("auto"), or one profile for everything.
public struct ProfileSet: Sendable {
    let fixed: LoadedProfile?
    let byDomain: [ImageDomain: LoadedProfile]

    public init(_ choice: String) throws {
        if choice == "auto" {
            fixed = nil
            byDomain = Dictionary(uniqueKeysWithValues: try ImageDomain.allCases.map { ($0, try Profile.builtIn(for: $0)) })
        } else {
            fixed = try Profile.load(choice)
            byDomain = [:]
        }
    }

    public func profile(for domain: ImageDomain) throws -> LoadedProfile {
        if let fixed { return fixed }
        guard let p = byDomain[domain] else { throw ProfileError.unknownBuiltIn(domain.rawValue) }
        return p
    }

    /// SHA-256 of every profile in use (recorded in the summary).
    public var hashes: [String: String] {
        if let fixed { return [fixed.profile.name: fixed.sha256] }
        return Dictionary(uniqueKeysWithValues: byDomain.map { ($0.value.profile.name, $0.value.sha256) })
    }
}
