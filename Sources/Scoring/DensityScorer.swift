import Foundation
import Imaging

/// A plane after scoring: what the tiler and the exporters need.
public struct ScoredImage: Sendable {
    public let plane: ImagePlane
    public let domain: ImageDomain
    /// The values the profile's intensity window maps to [0, 1] on this plane.
    public let window: ClosedRange<Double>
    /// 1 = foreground pixel, at the analysis level's resolution.
    public let mask: [UInt8]
    /// The full-resolution plane through the same window (for export).
    public func normalizedPlane() -> [Float] { IntensityWindow.normalize(plane, range: window) }

    /// Features, computed at the analysis level (`analysisLevel` halvings).
    public let features: CellFeatures
    public let analysisLevel: Int
    /// Calibrated density score per cell, 0…1 (0 for background cells).
    public let scores: [Float]
    /// The cell grid in full-resolution pixels (same cells as `features.grid`).
    public let grid: CellGrid
    /// Which cells are proven homogeneous (the fail-safe criterion).
    public let certificate: HomogeneityCertificate.Result
    /// The body region whose reading windows the certificate used, and why.
    public let region: BodyRegion
    public let regionReason: String

    public init(plane: ImagePlane, domain: ImageDomain, window: ClosedRange<Double>, mask: [UInt8],
                features: CellFeatures, analysisLevel: Int, scores: [Float], cellSize: Int,
                certificate: HomogeneityCertificate.Result, region: BodyRegion, regionReason: String) {
        self.plane = plane
        self.domain = domain
        self.window = window
        self.mask = mask
        self.features = features
        self.analysisLevel = analysisLevel
        self.scores = scores
        self.certificate = certificate
        self.region = region
        self.regionReason = regionReason
        grid = CellGrid(imageRows: plane.rows, imageColumns: plane.columns, cellSize: cellSize)
        precondition(grid.rows == features.grid.rows && grid.columns == features.grid.columns, "analysis grid mismatch")
    }
}

/// Which optional features a scoring pass computes.
public enum FeatureScope: Sendable {
    /// Only what the profile's weights use: tokenizing.
    case weighted
    /// Also blob CNR when the profile does not weigh it: calibration may give
    /// it a weight, and the audit compares its distribution across domains.
    /// (Lesion CNR stays tied to its weight: only the X-ray profile has one.)
    case withBlobCNR
}

/// Scores every basePatch cell of a plane with a profile. Deterministic and
/// free of I/O: the same plane and profile always give the same scores.
public enum DensityScorer {
    public static func score(_ plane: ImagePlane, domain: ImageDomain, profile: Profile, cellSize: Int,
                             source: ImageSourceInfo? = nil, features scope: FeatureScope = .weighted) -> ScoredImage {
        let e = extract(plane, domain: domain, profile: profile, cellSize: cellSize, source: source, features: scope)
        return ScoredImage(plane: plane, domain: domain, window: e.window, mask: e.mask, features: e.features,
                           analysisLevel: e.level, scores: scores(e.features, weights: profile.weights), cellSize: cellSize,
                           certificate: e.certificate, region: e.region, regionReason: e.regionReason)
    }

    /// What scoring needs before the weights: the normalised plane, the
    /// foreground, and the per-cell features at the analysis level.
    public struct Extraction: Sendable {
        public let window: ClosedRange<Double>
        public let level: Int
        public let mask: [UInt8]
        public let features: CellFeatures
        public let certificate: HomogeneityCertificate.Result
        public let region: BodyRegion
        public let regionReason: String
    }

    public static func extract(_ plane: ImagePlane, domain: ImageDomain, profile: Profile, cellSize: Int,
                               source: ImageSourceInfo? = nil, features scope: FeatureScope = .weighted) -> Extraction {
        let spacing = plane.spacingMM?.mean ?? profile.assumedSpacingMM
        let level = profile.analysisLevel(spacingMM: spacing, cellSize: cellSize)
        let analysis = plane.downsampled(level: level)
        // The window is resolved on the analysis plane and reused at full
        // resolution for export, so both see the same mapping.
        let window = profile.intensity.resolve(analysis)
        let analysisNormalized = IntensityWindow.normalize(analysis, range: window)
        let cell = cellSize >> level
        let mask = ForegroundMask.compute(analysis, domain: domain, normalized: analysisNormalized, cellSize: cell)
        let radiiPx = profile.blobRadiiMM.map { $0 / (spacing * Double(1 << level)) }
        // The lesion detector needs the contrast the display window clips away.
        let linear = profile.weights.lesionCNR == nil ? nil : IntensityWindow.linear(analysis, range: window)
        let features = CellFeatures.compute(hu: analysis, normalized: analysisNormalized, mask: mask, cellSize: cell,
                                            domain: domain, blobRadiiPx: radiiPx, blobPolarity: profile.blobPolarity,
                                            lesionValues: linear,
                                            blobCNR: scope == .withBlobCNR || profile.weights.blobCNR != nil)
        // The region (header, else what the body shows) picks the reading windows.
        let (region, regionReason) = source.map { BodyRegion.detect($0, plane: analysis, mask: mask, domain: domain) }
            ?? (.unknown, "no source header")
        let certificate = certify(analysis, domain: domain, mask: mask, grid: features.grid, cellForeground: features.foreground,
                                  displayWindow: window,
                                  settings: profile.certificateSettings, region: region,
                                  spacingMM: spacing * Double(1 << level), largestTokenPx: (cellSize << profile.maxLevel) >> level)
        return Extraction(window: window, level: level, mask: mask, features: features, certificate: certificate,
                          region: region, regionReason: regionReason)
    }

    /// The fail-safe criterion on the analysis plane, in the plane's own
    /// unit: CT in the region's reading windows (HU), other domains in the
    /// display window.
    static func certify(_ analysis: ImagePlane, domain: ImageDomain, mask: [UInt8], grid: CellGrid, cellForeground: [Float],
                        displayWindow: ClosedRange<Double>,
                        settings: CertificateSettings, region: BodyRegion, spacingMM: Double,
                        largestTokenPx: Int) -> HomogeneityCertificate.Result {
        let parameters = HomogeneityCertificate.Parameters(
            radiiPx: settings.radiiPx(spacingMM: spacingMM, largestTokenPx: largestTokenPx),
            isotropicFromPx: max(1, Int((settings.isotropicFromMM / spacingMM).rounded())),
            windows: settings.readingWindows(for: region) ?? [displayWindow],
            contrastFraction: settings.contrastFraction, zThreshold: settings.zThreshold,
            findFlatBackground: domain != .ct)
        return HomogeneityCertificate.compute(values: analysis.values, mask: mask, rows: analysis.rows,
                                              columns: analysis.columns, grid: grid, cellForeground: cellForeground,
                                              parameters: parameters)
    }

    /// σ(bias + Σ wᵢ·fᵢ) per foreground cell.
    public static func scores(_ f: CellFeatures, weights w: FeatureWeights) -> [Float] {
        let z = logits(f, weights: w)
        return (0..<f.grid.count).map { c in f.foreground[c] > 0 ? Float(1 / (1 + exp(-z[c]))) : 0 }
    }

    /// bias + Σ wᵢ·fᵢ per cell (−∞ for background): the score before the
    /// sigmoid, where calibration works without saturating.
    public static func logits(_ f: CellFeatures, weights w: FeatureWeights) -> [Double] {
        // A feature without a weight adds nothing (an unweighted optional
        // feature is all zeros, and x + 0 is x: the same bits as before).
        let terms = w.features.compactMap { feature in w[feature].map { (feature.values(f), $0) } }
        return (0..<f.grid.count).map { c in
            guard f.foreground[c] > 0 else { return -.infinity }
            var z = w.bias
            for (values, weight) in terms { z += weight * Double(values[c]) }
            return z
        }
    }
}
