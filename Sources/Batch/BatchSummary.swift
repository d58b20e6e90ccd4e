import DicomIO
import FileOutput
import Foundation
import TesseraSupport

/// Run summary (`summary.json`, `summary.csv`) and per-series summaries
/// (`<study>/<series>/series.json`), rebuilt from the catalog so a resumed or
/// merged run reports everything, not just its own share.
public struct BatchSummary: Sendable, Codable {
    public struct Failure: Sendable, Codable { public var input: String; public var error: String }
    public var inputs: Int
    public var done: Int
    public var skippedUpToDate: Int
    public var failed: Int
    public var ignored: Int
    /// Inputs repeating another input's SOP Instance UID (listed in `duplicateInputs`).
    public var duplicates: Int
    public var frames: Int
    public var tokens: Int
    public var uniformTokens: Int
    public var reduction: Double
    public var seconds: Double
    public var framesPerSecond: Double
    public var profiles: [String: String]
    public var shard: String?
    public var failures: [Failure]
    public var duplicateInputs: [Failure]
    /// With --rois: annotated ROIs over all done frames, how many resolved,
    /// and each skipped one as "input [frame N]: roi".
    /// Frames tokenized conservatively (outside their profile's calibrated
    /// distribution: every foreground cell at basePatch).
    public var conservativeFrames: Int?
    public var rois: Int?
    public var roisResolved: Int?
    public var skippedROIs: [String]?

    public static func write(catalog: Catalog, events: [BatchEvent], seconds: Double, profiles: [String: String],
                             shard: String?, inputs: [BatchInput], layout: OutputLayout,
                             seriesSummaries: Bool = true, headers: [String: ImageHeader] = [:],
                             tokensIndex: Bool = false, closingCatalog: Bool = false) async throws -> BatchSummary {
        // Each table read once: the summaries run after the last frame, in
        // every batch's wall time.
        let allFrames = try catalog.frames(), instances = try catalog.instances()
        let frames = allFrames.filter { $0.status == .done }
        let tokens = frames.reduce(0) { $0 + $1.tokens }, uniform = frames.reduce(0) { $0 + $1.uniformTokens }
        let processed = events.filter { $0.status == .done }.reduce(0) { $0 + $1.frames }
        let annotated = frames.filter { $0.rois != nil }
        let summary = BatchSummary(
            inputs: events.count, done: events.filter { $0.status == .done }.count,
            skippedUpToDate: events.filter { $0.status == .skipped }.count,
            failed: instances.filter { $0.status == .failed }.count, ignored: events.filter { $0.status == .ignored }.count,
            duplicates: instances.filter { $0.status == .duplicate }.count,
            frames: frames.count, tokens: tokens, uniformTokens: uniform,
            reduction: uniform > 0 ? round4(1 - Double(tokens) / Double(uniform)) : 0,
            seconds: (seconds * 1000).rounded() / 1000, framesPerSecond: seconds > 0 ? (Double(processed) / seconds * 10).rounded() / 10 : 0,
            profiles: profiles, shard: shard,
            failures: instances.filter { $0.status == .failed }.map { Failure(input: $0.input, error: $0.error ?? "") },
            duplicateInputs: instances.filter { $0.status == .duplicate }.map { Failure(input: $0.input, error: $0.error ?? "") },
            conservativeFrames: frames.filter { $0.conservative == true }.count,
            rois: annotated.isEmpty ? nil : annotated.reduce(0) { $0 + ($1.rois ?? 0) },
            roisResolved: annotated.isEmpty ? nil : annotated.reduce(0) { $0 + ($1.roisResolved ?? 0) },
            skippedROIs: annotated.isEmpty ? nil : annotated.flatMap { f in
                f.skippedROIs.map { "\(f.input) [frame \(f.frame)]: \($0)" }
            })
        var files = [(layout.root + "/summary.json", Array((try json(summary)).utf8))]
        // The ROI columns (added with --rois) come last, so readers by column position still work.
        // Profile, region and the conservative flag came later still: appended after them.
        var csv = "input,frame,status,tokens,uniform_tokens,reduction,output,error,rois,rois_resolved,profile,region,conservative,conservative_reason\n"
        let byInput = Dictionary(grouping: allFrames, by: \.input)
        for i in instances {
            let rows = byInput[i.input] ?? []
            if rows.isEmpty {
                csv += [i.input, "", i.status.rawValue, "", "", "", "", i.error ?? "", "", "", "", "", "", ""].map(csvField).joined(separator: ",") + "\n"
            }
            for f in rows {
                let counts: [String] = [String(f.frame), f.status.rawValue, String(f.tokens), String(f.uniformTokens), String(f.reduction)]
                let rest: [String] = [f.output ?? "", f.error ?? "", f.rois.map(String.init) ?? "", f.roisResolved.map(String.init) ?? "",
                                      f.profile ?? "", f.region ?? "", f.conservative.map { $0 ? "true" : "false" } ?? "",
                                      f.conservativeReason ?? ""]
                csv += ([f.input] + counts + rest).map(csvField).joined(separator: ",") + "\n"
            }
        }
        files.append((layout.root + "/summary.csv", Array(csv.utf8)))
        if tokensIndex { files.append((layout.root + "/tokens-index.csv", Array(tensorIndex(frames, root: layout.root).utf8))) }
        if seriesSummaries {
            files += try seriesFiles(catalog: catalog, frames: frames, instances: instances, inputs: inputs, layout: layout,
                                     headers: headers, changed: Set(events.filter { $0.status == .done }.map(\.input)))
        }
        // The catalog is not touched below: its closing fsyncs overlap the writes.
        async let closed: Void = closingCatalog ? catalog.close() : ()
        for (path, bytes) in files { try AtomicWrite.write(bytes, to: path) }
        try await closed
        return summary
    }

    /// series.json per series (path and bytes): slices, tokens, reduction
    /// and the assembly findings, which also go into the catalog.
    /// `headers`: those already read this run (by input name); the rest
    /// (instances done by an earlier run) are read from their files.
    /// `frames`: the catalog's done frames; `instances`: all its instances.
    /// `changed`: inputs done in this run; a series none of them belongs to
    /// keeps the series.json an earlier run wrote (a resume reads no headers).
    static func seriesFiles(catalog: Catalog, frames doneFrames: [Catalog.Frame], instances: [Catalog.Instance],
                            inputs: [BatchInput], layout: OutputLayout,
                            headers known: [String: ImageHeader], changed: Set<String>? = nil) throws -> [(String, [UInt8])] {
        var files: [(String, [UInt8])] = []
        let pathByName = Dictionary(inputs.map { ($0.name, $0.path) }, uniquingKeysWith: { a, _ in a })
        let frames = Dictionary(grouping: doneFrames, by: \.input)
        let done = instances.filter { $0.status == .done && $0.seriesUID != nil }
        for (series, members) in Dictionary(grouping: done, by: { $0.seriesUID! }) {
            let folder = layout.seriesFolder(study: members[0].studyUID, series: series)
            if let changed, !members.contains(where: { changed.contains($0.input) }),
               FileManager.default.fileExists(atPath: folder + "/series.json") { continue }
            let headers = members.compactMap { m in
                known[m.input] ?? pathByName[m.input].flatMap { try? ImageHeader(file: DicomFile(path: $0, headerOnly: true)) }
            }
            let assembled = SeriesAssembly.assemble(headers: headers).series.first
            let f = members.flatMap { frames[$0.input] ?? [] }
            let tokens = f.reduce(0) { $0 + $1.tokens }, uniform = f.reduce(0) { $0 + $1.uniformTokens }
            let entry = SeriesSummary(
                seriesInstanceUID: series, studyInstanceUID: members[0].studyUID ?? "", instances: members.count, frames: f.count,
                tokens: tokens, uniformTokens: uniform,
                reduction: uniform > 0 ? round4(1 - Double(tokens) / Double(uniform)) : 0,
                sliceSpacingMM: assembled?.sliceSpacing, findings: assembled?.findings.map(\.description) ?? [],
                order: assembled?.instances.compactMap(\.sopInstanceUID) ?? [])
            if let findings = assembled?.findings.map(\.description) { try catalog.setFindings(series: series, findings: findings) }
            files.append((folder + "/series.json", Array((try json(entry)).utf8)))
        }
        return files
    }

    struct SeriesSummary: Codable {
        var seriesInstanceUID: String
        var studyInstanceUID: String
        var instances: Int
        var frames: Int
        var tokens: Int
        var uniformTokens: Int
        var reduction: Double
        var sliceSpacingMM: Double?
        var findings: [String]
        /// SOP Instance UIDs in slice order (along the normal).
        var order: [String]
    }

    /// tokens-index.csv: one row per done frame's safetensors file (path
    /// relative to DIR, source frame, token count), so that a token-budget
    /// sampler plans its batches without opening a file. Sorted by path.
    /// Frames done by an earlier run without safetensors (or merged from a
    /// shard without them) have no file, and no row.
    static func tensorIndex(_ frames: [Catalog.Frame], root: String) -> String {
        var csv = "path,frame,tokens,input\n"
        for f in frames.filter({ $0.output != nil }).sorted(by: { ($0.output!, $0.frame) < ($1.output!, $1.frame) }) {
            let path = BatchRunner.tensorPath(f.output!)
            guard FileManager.default.fileExists(atPath: root + "/" + path) else { continue }
            csv += [path, String(f.frame), String(f.tokens), f.input].map(csvField).joined(separator: ",") + "\n"
        }
        return csv
    }

    static func json<T: Encodable>(_ v: T) throws -> String {
        String(decoding: try JSONEncoder.tessera().encode(v), as: UTF8.self) + "\n"
    }
}
