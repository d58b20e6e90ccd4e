import Annotations
import Foundation
import Imaging
import TesseraSupport

/// Robustness probes: what a scanner, a dose or an adversary could change.
/// Deterministic for a given seed. Pure.
public enum Probe: String, Sendable, Codable, CaseIterable {
    /// CT: quarter-dose noise (added σ = √3 × the image's own noise);
    /// radiographs: quantum-like noise whose variance grows with the signal;
    /// photographs: sensor noise, σ = 8 grey levels.
    case noise
    /// Every value pulled halfway to the image mean: contrast × 0.5.
    case contrast
    /// Adversarial flattening: every ROI pixel set to its ROI's mean, so the
    /// lesion keeps its average density and loses all texture.
    case flatten

    public var description: String {
        switch self {
        case .noise: return "added noise (CT: quarter-dose, σ√3 of the image's noise; X-ray: signal-dependent quantum-like; photo: σ 8)"
        case .contrast: return "contrast halved around the image mean"
        case .flatten: return "each ROI flattened to its mean (texture removed, mean kept)"
        }
    }

    public func apply(_ plane: ImagePlane, domain: ImageDomain, rois: [ROI], seed: UInt64) -> ImagePlane {
        var out = plane
        switch self {
        case .noise:
            var rng = SplitMix64(seed: seed)
            let sigma = Self.noiseSigma(plane, domain: domain)
            // X-ray noise scales with the display range (never empty: resolve widens it).
            let range = domain == .xray ? IntensityWindow.percentiles(low: 0.5, high: 99.5).resolve(plane) : 0...1
            let low = Float(range.lowerBound), span = max(Float(range.upperBound - range.lowerBound), 1)
            for i in out.values.indices where out.values[i] != plane.paddingValue {
                var s = sigma
                if domain == .xray {
                    // Poisson-like: σ ∝ √signal, 2% of the display range at mid-signal.
                    let level = min(max((out.values[i] - low) / span, 0), 1)
                    s = 0.02 * span * (2 * level).squareRoot()
                }
                out.values[i] += s * Float(rng.gaussian())
            }
        case .contrast:
            let kept = plane.values.filter { $0 != plane.paddingValue }
            let mean = kept.reduce(0, +) / Float(max(kept.count, 1))
            for i in out.values.indices where out.values[i] != plane.paddingValue {
                out.values[i] = mean + 0.5 * (out.values[i] - mean)
            }
        case .flatten:
            for roi in rois {
                let pixels = roi.pixels(rows: plane.rows, columns: plane.columns)
                guard !pixels.isEmpty else { continue }
                let mean = pixels.reduce(Float(0)) { $0 + plane.values[$1] } / Float(pixels.count)
                for p in pixels { out.values[p] = mean }
            }
        }
        return out
    }

    /// The noise σ added for `domain` (X-ray noise is set per pixel instead).
    static func noiseSigma(_ plane: ImagePlane, domain: ImageDomain) -> Float {
        switch domain {
        case .natural: return 8
        case .xray: return 0
        case .ct:
            // The image's own noise from horizontal neighbour differences
            // (robust: median absolute difference), then quarter dose:
            // total σ doubles, so the added σ is √3 times the present one.
            var diffs: [Float] = []
            diffs.reserveCapacity(plane.values.count / 4)
            for y in Swift.stride(from: 0, to: plane.rows, by: 2) {
                for x in Swift.stride(from: 0, to: plane.columns - 1, by: 2) {
                    let a = plane[y, x], b = plane[y, x + 1]
                    if a > -900 && b > -900 { diffs.append(abs(a - b)) }  // skip air
                }
            }
            guard !diffs.isEmpty else { return 10 }
            diffs.sort()
            let sigma = 1.4826 * diffs[diffs.count / 2] / Float(2).squareRoot()
            return Float(3).squareRoot() * max(sigma, 1)
        }
    }
}
