import Foundation
import Imaging
import Scoring
import TesseraSupport

/// Places synthetic lesions on a real image: inside the foreground only,
/// apart from each other, sizes log-uniform over 3–30 mm, every shape, and
/// contrast set from the local noise to hit a contrast-to-noise ratio from
/// subtle (CNR 5, the Rose criterion) to obvious (20). Deterministic for a given seed.
public enum LesionPlanner {
    public static let cnrLevels: [Double] = [5, 8, 12, 20]

    public static func plan(_ plane: ImagePlane, domain: ImageDomain, count: Int, seed: UInt64, idPrefix: String,
                            diameterRangeMM: ClosedRange<Double> = 3...30, lungOnly: Bool = false,
                            contrastHU: ClosedRange<Double>? = nil, contrastFraction: ClosedRange<Double>? = nil,
                            againstBorder: Bool = false,
                            shapes: [LesionShape] = LesionShape.masses) throws -> [LesionSpec] {
        let mask = try field(plane, domain: domain)
        let spacing = plane.spacingMM?.mean ?? CasePreparation.defaultSpacing(domain)
        var rng = SplitMix64(seed: seed)
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var placed: [(x: Double, y: Double, r: Double)] = []
        var specs: [LesionSpec] = []
        // Radiographs: a fixed share of the image's 1st–99th percentile range
        // gives realistic subtle contrast where texture would inflate a CNR.
        let displayRange = contrastFraction.map { _ -> Double in
            let r = IntensityWindow.percentiles(low: 1, high: 99).resolve(plane)
            return r.upperBound - r.lowerBound
        }
        for k in 0..<count {
            let maxDiameter = min(diameterRangeMM.upperBound, Double(min(plane.rows, plane.columns)) / 6 * spacing)
            let lo = log(diameterRangeMM.lowerBound), hi = log(max(maxDiameter, diameterRangeMM.lowerBound))
            let shape = shapes[(Int(seed % 4) + k) % shapes.count]
            // Calcification clusters span 3–15 mm (a reader's cluster outline).
            let u = uniform()
            let diameter = shape == .calcificationCluster ? 3 * exp(log(5.0) * u) : exp(lo + (hi - lo) * u)
            let r = diameter / 2 / spacing
            for _ in 0..<2000 {
                let x = r + 2 + uniform() * (Double(plane.columns) - 2 * r - 4)
                let y = r + 2 + uniform() * (Double(plane.rows) - 2 * r - 4)
                // The lesion with its spicules (1.8 r) inside the patient, and
                // clear of the background by 1.5 cells unless placed against a border.
                guard inside(mask, plane, x, y, r * 1.8 + (againstBorder ? 2 : 24)),
                      placed.allSatisfy({ hypot($0.x - x, $0.y - y) > ($0.r + r) * 1.8 + 4 }) else { continue }
                if lungOnly && !inLung(plane, x, y, r) { continue }
                if againstBorder && !againstATissueBorder(plane, domain: domain, x, y, r) { continue }
                // CT lesions sit in lung, fat or soft tissue, not in bone or
                // metal: there the window saturates and nothing is visible.
                if domain == .ct && !inSoftTissueOrLung(plane, x, y, r) { continue }
                let noise = max(LesionInserter.ringSD(plane, cx: x, cy: y, r: r), domain == .ct ? 8 : 1e-3)
                let cnr = cnrLevels[Int(rng.next() % UInt64(cnrLevels.count))]
                var sign: Double = rng.next() % 2 == 0 ? 1 : -1
                // Opacities are denser than lung; calcium is denser than any soft tissue.
                if shape == .groundGlass || shape == .calcificationCluster || (domain == .ct && lungOnly) { sign = 1 }
                var contrast = sign * cnr * noise
                if domain == .ct { contrast = sign * min(max(abs(contrast), 20), 600) }
                // A fixed HU range (brain 8–30, liver 15–60): realistic low
                // contrast whatever the noise, both polarities.
                if domain == .ct, let range = contrastHU {
                    contrast = sign * (range.lowerBound + (range.upperBound - range.lowerBound) * uniform())
                }
                if domain != .ct, let range = contrastFraction, let width = displayRange {
                    contrast = sign * width * (range.lowerBound + (range.upperBound - range.lowerBound) * uniform())
                }
                specs.append(LesionSpec(id: "\(idPrefix)-l\(k)", shape: shape, cx: (x * 100).rounded() / 100,
                                        cy: (y * 100).rounded() / 100, diameterMM: (diameter * 100).rounded() / 100,
                                        contrast: (contrast * 100).rounded() / 100, seed: rng.next() % 1_000_000))
                placed.append((x, y, r))
                break
            }
        }
        return specs
    }

    /// The patient in the exposed field: the domain's foreground mask at
    /// 16 px cells, as the planner and the inserter see it.
    public static func field(_ plane: ImagePlane, domain: ImageDomain) throws -> [UInt8] {
        let profile = try Profile.builtIn(for: domain).profile
        return ForegroundMask.compute(plane, domain: domain, normalized: profile.intensity.normalize(plane), cellSize: 16)
    }

    /// The lesion and a margin lie in the foreground (checked on a ring of points).
    static func inside(_ mask: [UInt8], _ plane: ImagePlane, _ x: Double, _ y: Double, _ radius: Double) -> Bool {
        for k in 0..<24 {
            let t = Double(k) / 24 * 2 * .pi
            for f in [0.0, 0.5, 1.0] {
                let px = Int(x + f * radius * cos(t)), py = Int(y + f * radius * sin(t))
                guard px >= 0, py >= 0, px < plane.columns, py < plane.rows, mask[py * plane.columns + px] != 0 else { return false }
            }
        }
        return true
    }

    /// The lesion's area lies between −950 and 150 HU (median of a ring of points).
    static func inSoftTissueOrLung(_ plane: ImagePlane, _ x: Double, _ y: Double, _ r: Double) -> Bool {
        var values: [Float] = []
        for k in 0..<16 {
            let t = Double(k) / 16 * 2 * .pi
            for f in [0.0, 0.7, 1.4] {
                let px = Int(x + f * r * cos(t)), py = Int(y + f * r * sin(t))
                guard px >= 0, py >= 0, px < plane.columns, py < plane.rows else { continue }
                values.append(plane.values[py * plane.columns + px])
            }
        }
        guard !values.isEmpty else { return false }
        let sorted = values.sorted()
        return sorted[sorted.count / 2] > -950 && sorted[sorted.count * 9 / 10] < 150
    }

    /// A tissue border runs through the lesion's rim: around the circle at
    /// 1.2 r the values span at least 150 HU (CT: lung against the heart or
    /// chest wall, fat against an organ, bone) or a fifth of the image's
    /// 1st–99th percentile range (radiographs: rib and organ edges).
    static func againstATissueBorder(_ plane: ImagePlane, domain: ImageDomain, _ x: Double, _ y: Double, _ r: Double) -> Bool {
        var low = Float.infinity, high = -Float.infinity
        for k in 0..<24 {
            let t = Double(k) / 24 * 2 * .pi
            let px = Int(x + 1.2 * r * cos(t)), py = Int(y + 1.2 * r * sin(t))
            guard px >= 0, py >= 0, px < plane.columns, py < plane.rows else { continue }
            let v = plane.values[py * plane.columns + px]
            low = min(low, v); high = max(high, v)
        }
        guard low <= high else { return false }
        if domain == .ct { return high - low >= 150 }
        let range = IntensityWindow.percentiles(low: 1, high: 99).resolve(plane)
        return Double(high - low) >= 0.2 * (range.upperBound - range.lowerBound)
    }

    /// Aerated lung (−950…−500 HU) around the centre: where pulmonary nodules sit.
    static func inLung(_ plane: ImagePlane, _ x: Double, _ y: Double, _ r: Double) -> Bool {
        var lung = 0, total = 0
        for k in 0..<16 {
            let t = Double(k) / 16 * 2 * .pi
            let px = Int(x + 1.5 * r * cos(t)), py = Int(y + 1.5 * r * sin(t))
            guard px >= 0, py >= 0, px < plane.columns, py < plane.rows else { continue }
            let v = plane.values[py * plane.columns + px]
            total += 1
            if v > -950 && v < -500 { lung += 1 }
        }
        return total > 0 && lung * 4 >= total * 3
    }
}
