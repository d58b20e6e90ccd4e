import Foundation
import Imaging
import Scoring

public enum LesionShape: String, Sendable, Codable, CaseIterable {
    case round, lobulated, spiculated, groundGlass
}

/// A synthetic lesion to insert into a real image: known ground truth.
public struct LesionSpec: Sendable, Codable, Equatable {
    public var id: String
    public var shape: LesionShape
    /// Centre in contract pixel coordinates (x = column, y = row).
    public var cx: Double
    public var cy: Double
    public var diameterMM: Double
    /// Added to the plane's values (HU for CT); positive = denser than the
    /// surround (brighter on a MONOCHROME2 display), negative = lucent.
    public var contrast: Double
    public var seed: UInt64

    public init(id: String, shape: LesionShape, cx: Double, cy: Double, diameterMM: Double, contrast: Double, seed: UInt64) {
        self.id = id; self.shape = shape; self.cx = cx; self.cy = cy
        self.diameterMM = diameterMM; self.contrast = contrast; self.seed = seed
    }
}

/// What an inserted lesion turned out to be on its image.
public struct LesionRecord: Sendable, Codable, Equatable {
    public var id: String
    public var shape: LesionShape
    public var diameterMM: Double
    public var diameterPx: Double
    public var contrast: Double
    /// Standard deviation of the image around the lesion (ring R…2R) before insertion.
    public var noiseSD: Double
    /// Contrast-to-noise ratio |contrast| / noiseSD.
    public var cnr: Double
    public var areaPx: Int
}

/// Renders lesions into a plane, deterministically (shape details from the
/// spec's seed), and returns their ROIs (pixels at ≥ 50% of full contrast).
public enum LesionInserter {
    public static func insert(_ lesions: [LesionSpec], into plane: ImagePlane, spacingMM: Double)
        -> (plane: ImagePlane, rois: [ROI], records: [LesionRecord]) {
        var out = plane
        var rois: [ROI] = [], records: [LesionRecord] = []
        // Dense lesions lower the stored value of a MONOCHROME1 image.
        let sign: Double = plane.monochrome1 ? -1 : 1
        for spec in lesions {
            let radius = spec.diameterMM / 2 / spacingMM
            let noise = ringSD(plane, cx: spec.cx, cy: spec.cy, r: radius)
            var rng = SplitMix64(seed: spec.seed)
            let phases = (0..<4).map { _ in Double(rng.next() % 10_000) / 10_000 * 2 * .pi }
            let spikes = 7 + Int(rng.next() % 5)
            let reach = radius * (spec.shape == .spiculated ? 1.8 : 1.3) + 2
            let y0 = max(0, Int(spec.cy - reach)), y1 = min(plane.rows - 1, Int(spec.cy + reach))
            let x0 = max(0, Int(spec.cx - reach)), x1 = min(plane.columns - 1, Int(spec.cx + reach))
            var pixels: [Int] = []
            if y0 <= y1 && x0 <= x1 {
                for y in y0...y1 {
                    for x in x0...x1 {
                        let dx = Double(x) + 0.5 - spec.cx, dy = Double(y) + 0.5 - spec.cy
                        let r = (dx * dx + dy * dy).squareRoot(), theta = atan2(dy, dx)
                        let boundary = boundaryRadius(spec.shape, radius: radius, theta: theta, phases: phases, spikes: spikes)
                        let alpha = min(max(boundary - r + 0.5, 0), 1)  // 1 px anti-aliased edge
                        guard alpha > 0 else { continue }
                        var amplitude = alpha
                        if spec.shape == .groundGlass {
                            // Hazy, textured opacity: 60–100% of the contrast, smooth in space.
                            let t = 0.8 + 0.2 * sin(Double(x) * 0.9 + phases[2]) * cos(Double(y) * 0.7 + phases[3])
                            amplitude *= t
                        }
                        let i = y * plane.columns + x
                        out.values[i] += Float(sign * spec.contrast * amplitude)
                        if alpha >= 0.5 { pixels.append(i) }
                    }
                }
            }
            rois.append(ROI.fromPixels(id: spec.id, label: "inserted-\(spec.shape.rawValue)", pixels: pixels, columns: plane.columns))
            records.append(LesionRecord(id: spec.id, shape: spec.shape, diameterMM: spec.diameterMM, diameterPx: 2 * radius,
                                        contrast: spec.contrast, noiseSD: noise, cnr: noise > 0 ? abs(spec.contrast) / noise : .infinity,
                                        areaPx: pixels.count))
        }
        return (out, rois, records)
    }

    static func boundaryRadius(_ shape: LesionShape, radius: Double, theta: Double, phases: [Double], spikes: Int) -> Double {
        switch shape {
        case .round, .groundGlass:
            return radius
        case .lobulated:
            return radius * (1 + 0.18 * sin(3 * theta + phases[0]) + 0.08 * sin(5 * theta + phases[1]))
        case .spiculated:
            let c = max(0, cos(Double(spikes) * theta + phases[0]))
            return radius * 0.8 * (1 + 0.9 * pow(c, 12))
        }
    }

    /// Standard deviation of the plane in the ring between r and 2r.
    static func ringSD(_ plane: ImagePlane, cx: Double, cy: Double, r: Double) -> Double {
        var sum = 0.0, sq = 0.0, n = 0.0
        let outer = 2 * r + 1
        let y0 = max(0, Int(cy - outer)), y1 = min(plane.rows - 1, Int(cy + outer))
        let x0 = max(0, Int(cx - outer)), x1 = min(plane.columns - 1, Int(cx + outer))
        guard y0 <= y1, x0 <= x1 else { return 0 }
        for y in y0...y1 {
            for x in x0...x1 {
                let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                let d = (dx * dx + dy * dy).squareRoot()
                guard d >= r && d <= 2 * r + 1 else { continue }
                let v = Double(plane.values[y * plane.columns + x])
                sum += v; sq += v * v; n += 1
            }
        }
        guard n > 1 else { return 0 }
        let mean = sum / n
        return max(sq / n - mean * mean, 0).squareRoot()
    }
}
