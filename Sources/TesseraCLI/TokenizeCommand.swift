import ArgumentParser
import DicomIO
import FileOutput
import Foundation
import Imaging
import Scoring
import TesseraSupport
import Tiling

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Turn an image into a mixed-resolution token map (tessera.tokenmap/1).",
        discussion: """
            Scores every basePatch cell of the image with a domain profile and tiles it with \
            a quadtree: fine tokens where the score is high, coarse tokens only where the \
            homogeneity certificate proves the tissue holds no lesion-sized difference of either \
            polarity (in the reading windows of the body region), none on background. Cells it \
            cannot prove stay finest and are marked "certified": false. In threshold mode the \
            token count follows the image; with --budget N it is fixed at N (greedy split of the \
            highest-scoring tile), except that uncertified cells and cells above the profile's \
            safety threshold are always finest.

            An image outside the profile's calibrated distribution (MR, US, NM and other \
            modalities, an uncalibrated body region, spacing or noise out of range) is tokenized \
            conservatively: every foreground cell finest, only background dropped. The map's \
            "assessment" block says why, and one warning line is printed. --profile forces a \
            profile; the check still applies.

            INPUT is a DICOM file (every frame, or --frame N), a PNG or a JPEG. A multi-frame \
            input writes one map per frame, named OUT_f0000.json, OUT_f0001.json, …; \
            `--output -` prints to stdout (one map per line for several frames).

            Examples:
              tessera tokenize SampleStudies/ct/lidc-idri-0001/000071.dcm --output slice.json
              tessera tokenize chest.dcm --profile xray --budget 256 --output chest.json
              tessera tokenize photo.png --output photo.json --patches photo.npy
              tessera tokenize slice.dcm --output slice.json --export slice.safetensors

            --export writes the tokens as tensors for a vision transformer (tessera.tokens/1, \
            docs/tokens-format.md): patches f16 [N, 1, 16, 16], boxes, level, score, code, \
            certified and pyramid features, with the intensity normalisation in the header; \
            Python reads it with safetensors or tessera_torch.load.
            """
    )

    @Argument(help: "DICOM file, PNG or JPEG.")
    var input: String

    @Option(name: .shortAndLong, help: "Token map path (.json), or - for stdout.")
    var output: String

    @OptionGroup var profile: ProfileOptions

    @Option(help: "Tokenize only this frame (0-based).")
    var frame: Int?

    @OptionGroup var tiling: TilingOptions

    @Option(help: "Also write each token's pixels, resampled to basePatch², as float32 [tokens, basePatch, basePatch] .npy, plus <name>.positions.npy (x, y, w, h, level, code).")
    var patches: String?

    @Option(help: "Also write the tokens as a safetensors file (tessera.tokens/1) for a ViT: patches, boxes, level, score, code, pyramid.")
    var export: String?

    @Option(help: "Also write every cell's features and score as JSON (for calibration and inspection).")
    var cells: String?

    @OptionGroup var parallel: ParallelOptions

    func run() async throws {
        let probe = try ImageLoader(path: input)
        let profile = try self.profile.load(for: probe.domain)
        let frames = try frame.map { f -> [Int] in
            guard f >= 0 && f < probe.frames else { throw DicomError.frameOutOfRange(path: input, frame: f, frames: probe.frames) }
            return [f]
        } ?? Array(0..<probe.frames)
        let settings = FrameJob(input: input, profile: profile, basePatch: tiling.basePatch, budget: tiling.budget,
                                output: output, patches: patches, export: export, cells: cells, multiFrame: frames.count > 1)
        // Contiguous chunks, one loader per worker: the header is parsed once per worker.
        let workers = max(1, min(parallel.jobs, frames.count))
        let chunks = (0..<workers).map { w in Array(frames[(w * frames.count / workers)..<((w + 1) * frames.count / workers)]) }
        let results = await boundedConcurrentMap(chunks, limit: workers) { chunk in
            Result { () throws -> FrameJob.Output in try settings.run(chunk) }
        }
        var lines: [String] = [], conservative: [(frame: Int, reason: String)] = []
        for r in results {
            let out = try r.get()
            lines += out.stdout
            conservative += out.conservative
        }
        if output == "-" { print(lines.joined(separator: "\n")) }
        // One warning per input, however many frames it has.
        if let first = conservative.first {
            let frames = conservative.count == frames.count ? (frames.count == 1 ? "" : "all \(frames.count) frames ")
                : "\(conservative.count) of \(frames.count) frames "
            FileHandle.standardError.write(Data(("warning: \(input): \(frames)tokenized conservatively (every foreground cell at "
                + "basePatch, only background dropped): " + first.reason + "\n").utf8))
        }
    }
}

/// Tokenizes a run of frames of one input and writes their outputs.
struct FrameJob: Sendable {
    let input: String
    let profile: LoadedProfile
    let basePatch: Int
    let budget: Int?
    let output: String
    let patches: String?
    let export: String?
    let cells: String?
    let multiFrame: Bool

    struct Output: Sendable {
        /// The maps as single-line JSON when writing to stdout.
        var stdout: [String] = []
        /// Frames outside the profile's calibrated distribution, and why.
        var conservative: [(frame: Int, reason: String)] = []
    }

    func run(_ frames: [Int]) throws -> Output {
        let loader = try ImageLoader(path: input)
        var out = Output()
        for f in frames {
            let plane = try loader.plane(frame: f)
            let result = Tokenizer.tokenize(plane, source: loader.source(frame: f), domain: loader.domain,
                                            profile: profile, basePatch: basePatch, budget: budget,
                                            features: cells == nil ? .weighted : .withBlobCNR)  // the dump shows every feature
            let json = TokenMapJSON.encode(result.map)
            if output == "-" {
                out.stdout.append(multiFrame ? json.replacingOccurrences(of: "\n", with: "") : json)
            } else {
                try AtomicWrite.write(json, to: framePath(output, f))
            }
            if let patches {
                let path = framePath(patches, f)
                let n = result.map.tokens.count
                try AtomicWrite.write(NumpyWriter.float32(result.patches(), shape: [n, basePatch, basePatch]), to: path)
                try AtomicWrite.write(NumpyWriter.int32(result.positions(), shape: [n, 6]),
                                     to: (path as NSString).deletingPathExtension + ".positions.npy")
            }
            if let export { try AtomicWrite.write(TokenTensors.safetensors(result), to: framePath(export, f)) }
            if let cells { try AtomicWrite.write(CellDump.json(result.scored), to: framePath(cells, f)) }
            let s = result.map.stats
            let a = result.map.assessment
            if let reason = a?.conservativeReason { out.conservative.append((f, reason)) }
            var line = "\(input) frame \(f): \(s.tokenCount) tokens of \(s.uniformTokenCount) uniform (reduction "
                + String(format: "%.1f%%", s.reduction * 100) + ", profile \(profile.profile.name)"
                + (a.map { ", region \($0.region)" + ($0.conservative ? ", conservative" : "") } ?? "") + ")"
            if let b = result.map.budget, !b.exact { line += " — budget \(b.requested): \(b.note ?? "")" }
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        return out
    }

    private func framePath(_ path: String, _ frame: Int) -> String {
        guard multiFrame else { return path }
        let ext = (path as NSString).pathExtension
        let stem = (path as NSString).deletingPathExtension
        return stem + String(format: "_f%04d", frame) + (ext.isEmpty ? "" : "." + ext)
    }
}
