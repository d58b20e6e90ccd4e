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
    ///
    /// The body region comes from the header, else the image; an image
    /// outside the profile's calibrated distribution (modality, region,
    /// spacing, noise) is tokenized conservatively: every foreground cell
    /// finest, background dropped, the reasons in the map's `assessment`.
    /// `enforceDistribution: false` only records the reasons (the audit
    /// measures a foreign profile as it would behave unguarded).
    public static func tokenize(_ plane: ImagePlane, source: ImageSourceInfo, domain: ImageDomain,
                                profile: LoadedProfile, basePatch: Int = 16, budget: Int? = nil,
                                features: FeatureScope = .weighted, enforceDistribution: Bool = true) -> TokenizedImage {
        let scored = DensityScorer.score(plane, domain: domain, profile: profile.profile, cellSize: basePatch,
                                         source: source, features: features)
        let outside = DistributionGuard.check(profile.profile, modality: source.modality, isPhotograph: source.isPhotograph,
                                              region: scored.region, spacingMM: plane.spacingMM?.mean,
                                              noiseSigma: scored.certificate.noiseSigma)
        let conservative = enforceDistribution && !outside.isEmpty
        let tiling = QuadtreeTiler.tile(scored, profile: profile.profile, budget: budget, conservative: conservative)
        let pyramid = ImagePyramid(values: scored.normalizedPlane(), rows: plane.rows, columns: plane.columns,
                                   maxLevel: profile.profile.maxLevel)
        var map = TokenMapBuilder.build(tiling: tiling, scored: scored, pyramid: pyramid, source: source,
                                        profile: profile, basePatch: basePatch)
        map.assessment = TokenMapBuilder.assessment(scored, region: scored.region, regionReason: scored.regionReason,
                                                    conservative: conservative, reasons: outside)
        return TokenizedImage(map: map, scored: scored, pyramid: pyramid)
    }
}
