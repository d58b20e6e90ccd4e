import Imaging
import Scoring
import TesseraSupport

/// Turns a tiling into the contract's token map, with semantic codes and
/// hierarchical features.
public enum TokenMapBuilder {
    public static func build(tiling: Tiling, scored: ScoredImage, pyramid: ImagePyramid, source: ImageSourceInfo,
                             profile: LoadedProfile, basePatch: Int) -> TokenMap {
        let plane = scored.plane
        let codebook = profile.profile.codebook
        let grid = scored.grid
        let tokens = tiling.tokens.map { leaf -> TokenMap.Token in
            let f = pyramid.features(x: leaf.x, y: leaf.y, w: leaf.w, h: leaf.h, level: leaf.level)
            // A finest token is one cell: it says when the certificate failed there.
            let cell = (leaf.y / grid.cellSize) * grid.columns + leaf.x / grid.cellSize
            let uncertain = leaf.level == 0 && scored.certificate.uncertified(cell)
            return TokenMap.Token(x: leaf.x, y: leaf.y, w: leaf.w, h: leaf.h, level: leaf.level,
                                  score: round4(Double(leaf.score)), code: codebook.map { KMeans.assign(f, $0.centroids) },
                                  features: f.map(round4), certified: uncertain ? false : nil)
        }
        let dropped = tiling.dropped.map { TokenMap.Region(x: $0.x, y: $0.y, w: $0.w, h: $0.h) }
        let uniform = TokenMap.uniformCount(rows: plane.rows, columns: plane.columns, basePatch: basePatch)
        var perLevel = [Int](repeating: 0, count: profile.profile.maxLevel + 1)
        for t in tokens { perLevel[t.level] += 1 }
        let droppedArea = dropped.reduce(0) { $0 + $1.w * $1.h }
        let stats = TokenMap.Stats(tokenCount: tokens.count, uniformTokenCount: uniform,
                                   reduction: round4(1 - Double(tokens.count) / Double(uniform)),
                                   tokensPerLevel: perLevel,
                                   droppedFraction: round4(Double(droppedArea) / Double(plane.rows * plane.columns)),
                                   featureNames: ImagePyramid.featureNames)
        return TokenMap(
            source: .init(path: source.path, sopInstanceUID: source.sopInstanceUID, frame: source.frame),
            image: .init(rows: plane.rows, columns: plane.columns,
                         pixelSpacingMM: plane.spacingMM.map { [$0.row, $0.column] }, modality: source.modality),
            profile: .init(name: profile.profile.name, domain: profile.profile.domain.rawValue, sha256: profile.sha256),
            basePatch: basePatch, tokens: tokens, dropped: dropped, stats: stats, budget: tiling.budget)
    }

    /// The map's `assessment` block: region, guard outcome and certificate counts.
    public static func assessment(_ scored: ScoredImage, region: BodyRegion, regionReason: String, conservative: Bool,
                                  reasons: [String]) -> TokenMap.Assessment {
        let foreground = scored.features.foreground
        var fg = 0, uncertain = 0
        for c in 0..<foreground.count where foreground[c] > 0 {
            fg += 1
            if scored.certificate.uncertified(c) { uncertain += 1 }
        }
        return TokenMap.Assessment(region: region.rawValue, regionReason: regionReason, conservative: conservative,
                                   reasons: reasons, noiseSigma: round4(scored.certificate.noiseSigma),
                                   uncertifiedCells: uncertain, foregroundCells: fg)
    }

    /// Four decimals: stable text across runs and machines.
}
