import ArgumentParser
import DicomIO
import Foundation
import Imaging
import Scoring
import Tiling

/// Tokenizer speed per stage, on one core, against the load time of the same image.
struct BenchTokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenizer benchmark: features, scoring, tiling and export per image, vs load time.",
        discussion: """
            Times each stage on one core (median of --rounds) for a 512² CT slice and a \
            ~2000² radiograph, then tokenizes --slices CT slices in a row and reports the \
            resident memory after the first 10 and after all of them (flat = no growth).
            """)

    @Option(help: "CT slice.")
    var ct = "SampleStudies/ct/lidc-idri-0001/000071.dcm"

    @Option(help: "Radiograph.")
    var xray = "../shared/data/xray/RG1_UNCR.dcm"

    @Option(help: "Timed rounds per stage.")
    var rounds = 20

    @Option(help: "Slices tokenized in the memory run (the CT folder, cycled).")
    var slices = 1000

    func run() throws {
        if !Timing.isReleaseBuild { print("warning: debug build; run `bash scripts/build-release.sh` for meaningful numbers") }
        print("tessera bench tokenize — one core, median of \(rounds) rounds")
        print("image                     load      features  scoring   tiling    export    total     (score+tile)/load")
        for path in [ct, xray] where FileManager.default.fileExists(atPath: path) { try stages(path) }
        try memory()
    }

    private func stages(_ path: String) throws {
        var load: [Double] = [], feat: [Double] = [], score: [Double] = [], tile: [Double] = [], export: [Double] = []
        var rows = 0, cols = 0
        for _ in 0...rounds {
            var loader: ImageLoader!
            var plane: ImagePlane!
            load.append(try Timing.seconds { loader = try ImageLoader(path: path); plane = try loader.plane(frame: 0) })
            rows = plane.rows; cols = plane.columns
            let profile = try Profile.builtIn(for: loader.domain)
            let p = profile.profile
            var e: DensityScorer.Extraction!
            feat.append(Timing.seconds { e = DensityScorer.extract(plane, domain: loader.domain, profile: p, cellSize: 16,
                                                                 source: loader.source(frame: 0)) })
            var scores: [Float] = []
            score.append(Timing.seconds { scores = DensityScorer.scores(e.features, weights: p.weights) })
            let scored = ScoredImage(plane: plane, domain: loader.domain, window: e.window, mask: e.mask,
                                     features: e.features, analysisLevel: e.level, scores: scores, cellSize: 16,
                                     certificate: e.certificate, region: e.region, regionReason: e.regionReason)
            var tiling: Tiling!
            tile.append(Timing.seconds { tiling = QuadtreeTiler.tile(scored, profile: p) })
            export.append(Timing.seconds {
                let pyramid = ImagePyramid(values: scored.normalizedPlane(), rows: plane.rows, columns: plane.columns, maxLevel: p.maxLevel)
                let map = TokenMapBuilder.build(tiling: tiling, scored: scored, pyramid: pyramid,
                                                source: loader.source(frame: 0), profile: profile, basePatch: 16)
                _ = TokenMapJSON.encode(map)
            })
        }
        let m = { (v: [Double]) in Timing.median(Array(v.dropFirst())) * 1000 }
        let total = m(feat) + m(score) + m(tile) + m(export)
        let name = "\((path as NSString).lastPathComponent) \(cols)×\(rows)"
        print(name.padding(toLength: 26, withPad: " ", startingAt: 0)
              + [m(load), m(feat), m(score), m(tile), m(export), total].map { String(format: "%7.2f ms", $0) }.joined(separator: " ")
              + String(format: "  %.2f", (m(feat) + m(score) + m(tile)) / m(load)))
    }

    private func memory() throws {
        let files = FileScanner.files(under: (ct as NSString).deletingLastPathComponent).filter { $0.hasSuffix(".dcm") }
        guard !files.isEmpty else { return }
        let profile = try Profile.builtIn(for: .ct)
        var afterTen = 0.0
        let seconds = try Timing.seconds {
            for i in 0..<slices {
                let loader = try ImageLoader(path: files[i % files.count])
                let result = Tokenizer.tokenize(try loader.plane(frame: 0), source: loader.source(frame: 0),
                                                domain: .ct, profile: profile)
                _ = TokenMapJSON.encode(result.map)
                if i == 9 { afterTen = Timing.currentRSSMiB }
            }
        }
        print(String(format: "\n%d CT slices end to end (load + tokenize + JSON), one core: %.1f slices/s", slices, Double(slices) / seconds))
        print(String(format: "resident memory after 10 slices %.1f MiB, after %d slices %.1f MiB (peak %.1f MiB)",
                     afterTen, slices, Timing.currentRSSMiB, Timing.peakRSSMiB))
    }
}
