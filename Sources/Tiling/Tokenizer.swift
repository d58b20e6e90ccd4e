import Imaging
import Scoring

/// Score → tile → token map for one plane. Pure: no file I/O.
public struct TokenizedImage: Sendable {
    public let map: TokenMap
    public let scored: ScoredImage
    public let pyramid: ImagePyramid

    /// Each token's region resampled to basePatch² (its own pyramid level),
    /// as one float32 array [tokens, basePatch, basePatch].
    public func patches() -> [Float] {
        map.tokens.flatMap { pyramid.patch(x: $0.x, y: $0.y, level: $0.level, basePatch: map.basePatch) }
    }

    /// x, y, w, h, level, code per token, for a mixed-resolution ViT's
    /// position embedding.
    public func positions() -> [Int32] {
        map.tokens.flatMap { [$0.x, $0.y, $0.w, $0.h, $0.level, $0.code ?? -1].map { Int32($0) } }
    }
}

public enum Tokenizer {
    /// `features: .withBlobCNR` also fills the unweighted blob CNR (the audit
    /// compares it); the token map is the same either way.
    public static func tokenize(_ plane: ImagePlane, source: ImageSourceInfo, domain: ImageDomain,
                                profile: LoadedProfile, basePatch: Int = 16, budget: Int? = nil,
                                features: FeatureScope = .weighted) -> TokenizedImage {
        let scored = DensityScorer.score(plane, domain: domain, profile: profile.profile, cellSize: basePatch, features: features)
        let tiling = QuadtreeTiler.tile(scored, profile: profile.profile, budget: budget)
        let pyramid = ImagePyramid(values: scored.normalizedPlane(), rows: plane.rows, columns: plane.columns,
                                   maxLevel: profile.profile.maxLevel)
        let map = TokenMapBuilder.build(tiling: tiling, scored: scored, pyramid: pyramid, source: source,
                                        profile: profile, basePatch: basePatch)
        return TokenizedImage(map: map, scored: scored, pyramid: pyramid)
    }
}
