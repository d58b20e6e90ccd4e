/// Maps a plane to [0, 1] so that every feature is computed in one unit
/// whatever the domain: a fixed HU window for CT, per-image percentiles for
/// radiographs (MONOCHROME1 inverted, so bright always means dense), a fixed
/// 0…255 scale for photographs.
public enum IntensityWindow: Sendable, Equatable, Codable {
    case fixed(low: Double, high: Double)
    case percentiles(low: Double, high: Double)

    public func normalize(_ plane: ImagePlane) -> [Float] {
        Self.normalize(plane, range: resolve(plane))
    }

    /// The value range this window maps to [0, 1] for this plane.
    public func resolve(_ plane: ImagePlane) -> ClosedRange<Double> {
        var (lo, hi): (Double, Double)
        switch self {
        case .fixed(let l, let h): (lo, hi) = (l, h)
        case .percentiles(let pl, let ph): (lo, hi) = Self.percentiles(plane, pl, ph)
        }
        return lo...(hi > lo ? hi : lo + 1)
    }

    /// Maps `range` to [0, 1], clipped; MONOCHROME1 planes are inverted.
    public static func normalize(_ plane: ImagePlane, range: ClosedRange<Double>) -> [Float] {
        map(plane, range: range, clip: true)
    }

    /// Maps `range` to [0, 1] linearly without clipping (values outside the
    /// window keep their differences); MONOCHROME1 planes are inverted.
    public static func linear(_ plane: ImagePlane, range: ClosedRange<Double>) -> [Float] {
        map(plane, range: range, clip: false)
    }

    /// Inlined into both callers, so `clip` is a constant in each loop.
    /// Eight values at a time (this runs on every full-resolution plane);
    /// the clamp selects exactly what min(max(u, 0), 1) would (u is never
    /// NaN or −0: the window's scale is positive).
    @inline(__always)
    static func map(_ plane: ImagePlane, range: ClosedRange<Double>, clip: Bool) -> [Float] {
        let scale = Float(1 / (range.upperBound - range.lowerBound)), offset = Float(range.lowerBound)
        let invert = plane.monochrome1
        @inline(__always) func one(_ x: Float) -> Float {
            let u = (x - offset) * scale
            let v = clip ? min(max(u, 0), 1) : u
            return invert ? 1 - v : v
        }
        let count = plane.values.count, vectorCount = count & ~7
        return [Float](unsafeUninitializedCapacity: count) { dst, n in
            plane.values.withUnsafeBufferPointer { src in
                let from = UnsafeRawPointer(src.baseAddress!), to = UnsafeMutableRawPointer(dst.baseAddress!)
                var i = 0
                while i < vectorCount {
                    let u = (from.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) - offset) * scale
                    var v = u
                    if clip { v.replace(with: 0, where: u .< 0); v.replace(with: 1, where: u .> 1) }
                    to.storeBytes(of: invert ? 1 - v : v, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                    i += 8
                }
                while i < count { dst[i] = one(src[i]); i += 1 }
            }
            n = count
        }
    }

    /// Percentiles (0…100) of the plane's values, ignoring padding, from a
    /// 4096-bin histogram of at most ~1 M evenly spread samples: no sort.
    static func percentiles(_ plane: ImagePlane, _ pLow: Double, _ pHigh: Double) -> (Double, Double) {
        let stride = max(1, plane.values.count / 1_000_000)
        let sample = stride == 1 ? plane.values : Swift.stride(from: 0, to: plane.values.count, by: stride).map { plane.values[$0] }
        var lo = Float.infinity, hi = -Float.infinity
        for v in sample where v != plane.paddingValue { lo = min(lo, v); hi = max(hi, v) }
        guard lo < hi else { return (Double(lo), Double(lo) + 1) }
        let bins = 4096
        var histogram = [Int](repeating: 0, count: bins)
        let scale = Float(bins - 1) / (hi - lo)
        var total = 0
        for v in sample where v != plane.paddingValue {
            histogram[Int((v - lo) * scale)] += 1
            total += 1
        }
        func value(_ p: Double) -> Double {
            let target = Int(p / 100 * Double(total))
            var acc = 0
            for (b, c) in histogram.enumerated() {
                acc += c
                if acc > target { return Double(lo) + Double(b) / Double(scale) }
            }
            return Double(hi)
        }
        return (value(pLow), value(pHigh))
    }
}
