import Annotations
import Foundation
import Imaging
import TesseraSupport

public enum LesionShape: String, Sendable, Codable, CaseIterable {
    case round, lobulated, spiculated, groundGlass
    /// A cluster of 5–15 punctate dense specks (0.2–0.6 mm) inside a disc of
    /// the lesion's diameter: mammographic microcalcifications. Its ROI is the
    /// cluster's outline (the disc holding every speck), as a reader marks it.
    case calcificationCluster

    /// The mass-like shapes the planner cycles through by default.
    public static let masses: [LesionShape] = [.round, .lobulated, .spiculated, .groundGlass]
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
/// `field` (1 = patient in the exposed field, before insertion) clips them:
/// a spicule cannot be imaged in air outside the body or under a
/// collimator, so no pixel there is painted or counted.
public enum LesionInserter {
    public static func insert(_ lesions: [LesionSpec], into plane: ImagePlane, spacingMM: Double, field: [UInt8]? = nil)
        -> (plane: ImagePlane, rois: [ROI], records: [LesionRecord]) {
        var out = plane
        var rois: [ROI] = [], records: [LesionRecord] = []
        // Dense lesions lower the stored value of a MONOCHROME1 image.
        let sign: Double = plane.monochrome1 ? -1 : 1
        for spec in lesions {
            if spec.shape == .calcificationCluster {
                let (roi, record) = insertCluster(spec, into: &out, spacingMM: spacingMM, sign: sign, field: field)
                rois.append(roi); records.append(record)
                continue
            }
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
                        guard alpha > 0, field.map({ $0[y * plane.columns + x] != 0 }) ?? true else { continue }
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
        case .round, .groundGlass, .calcificationCluster:
            return radius
        case .lobulated:
            return radius * (1 + 0.18 * sin(3 * theta + phases[0]) + 0.08 * sin(5 * theta + phases[1]))
        case .spiculated:
            let c = max(0, cos(Double(spikes) * theta + phases[0]))
            return radius * 0.8 * (1 + 0.9 * pow(c, 12))
        }
    }

    /// Specks placed uniformly in 80% of the cluster's disc (apart by their
    /// diameters), each an anti-aliased dot at full contrast. The ROI is the
    /// disc around the centre that holds every pixel a speck touched.
    static func insertCluster(_ spec: LesionSpec, into plane: inout ImagePlane, spacingMM: Double, sign: Double,
                              field: [UInt8]?) -> (ROI, LesionRecord) {
        func inField(_ i: Int) -> Bool { field.map { $0[i] != 0 } ?? true }
        let radius = spec.diameterMM / 2 / spacingMM
        let noise = ringSD(plane, cx: spec.cx, cy: spec.cy, r: radius)
        var rng = SplitMix64(seed: spec.seed)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var specks: [(x: Double, y: Double, r: Double)] = []
        let count = 5 + Int(rng.next() % 11)
        for _ in 0..<(count * 50) where specks.count < count {
            let r = max((0.1 + 0.2 * uniform()) / spacingMM, 0.75)
            let d = 0.8 * radius * uniform().squareRoot(), t = uniform() * 2 * .pi
            let x = spec.cx + d * cos(t), y = spec.cy + d * sin(t)
            guard specks.allSatisfy({ hypot($0.x - x, $0.y - y) > $0.r + r + 1 }) else { continue }
            specks.append((x, y, r))
        }
        // Every pixel a speck touches (its anti-aliased rim reaches r + 0.5).
        let outline = specks.map { hypot($0.x - spec.cx, $0.y - spec.cy) + $0.r + 0.5 }.max() ?? radius
        for speck in specks {
            let y0 = max(0, Int(speck.y - speck.r - 1)), y1 = min(plane.rows - 1, Int(speck.y + speck.r + 1))
            let x0 = max(0, Int(speck.x - speck.r - 1)), x1 = min(plane.columns - 1, Int(speck.x + speck.r + 1))
            guard y0 <= y1, x0 <= x1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 where inField(y * plane.columns + x) {
                    let alpha = min(max(speck.r - hypot(Double(x) + 0.5 - speck.x, Double(y) + 0.5 - speck.y) + 0.5, 0), 1)
                    plane.values[y * plane.columns + x] += Float(sign * spec.contrast * alpha)
                }
            }
        }
        var pixels: [Int] = []
        let y0 = max(0, Int(spec.cy - outline)), y1 = min(plane.rows - 1, Int(spec.cy + outline))
        let x0 = max(0, Int(spec.cx - outline)), x1 = min(plane.columns - 1, Int(spec.cx + outline))
        if y0 <= y1 && x0 <= x1 {
            for y in y0...y1 {
                for x in x0...x1 where hypot(Double(x) + 0.5 - spec.cx, Double(y) + 0.5 - spec.cy) <= outline
                    && inField(y * plane.columns + x) {
                    pixels.append(y * plane.columns + x)
                }
            }
        }
        let roi = ROI.fromPixels(id: spec.id, label: "inserted-\(spec.shape.rawValue)", pixels: pixels, columns: plane.columns)
        let record = LesionRecord(id: spec.id, shape: spec.shape, diameterMM: spec.diameterMM, diameterPx: 2 * radius,
                                  contrast: spec.contrast, noiseSD: noise, cnr: noise > 0 ? abs(spec.contrast) / noise : .infinity,
                                  areaPx: pixels.count)
        return (roi, record)
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
