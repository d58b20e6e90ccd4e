import Imaging

/// Box-filtered 2× pyramid of the normalised image: level k is what a
/// level-k token sees at basePatch × basePatch resolution.
public struct ImagePyramid: Sendable {
    public struct Level: Sendable {
        public let rows: Int
        public let columns: Int
        public let values: [Float]
    }
    public let levels: [Level]

    public init(values: [Float], rows: Int, columns: Int, maxLevel: Int) {
        var levels = [Level(rows: rows, columns: columns, values: values)]
        for _ in 0..<maxLevel {
            let p = levels.last!
            let (next, r, c) = BoxDownsample.halve(p.values, rows: p.rows, columns: p.columns)
            levels.append(Level(rows: r, columns: c, values: next))
        }
        self.levels = levels
    }

    /// A token's region at its own level, basePatch × basePatch, edge pixels
    /// repeated where the token is clipped by the image border.
    public func patch(x: Int, y: Int, level: Int, basePatch: Int) -> [Float] {
        let l = levels[level]
        let x0 = x >> level, y0 = y >> level
        var out = [Float](repeating: 0, count: basePatch * basePatch)
        for dy in 0..<basePatch {
            let yy = min(y0 + dy, l.rows - 1)
            for dx in 0..<basePatch {
                out[dy * basePatch + dx] = l.values[yy * l.columns + min(x0 + dx, l.columns - 1)]
            }
        }
        return out
    }

    public static let featureNames = ["mean", "std", "gradient", "min", "max"]

    /// Hierarchical features of a token: statistics of its block at the
    /// matching pyramid level (only the part inside the image).
    public func features(x: Int, y: Int, w: Int, h: Int, level: Int) -> [Double] {
        let l = levels[level]
        let x0 = x >> level, y0 = y >> level
        let x1 = min((x + w + (1 << level) - 1) >> level, l.columns), y1 = min((y + h + (1 << level) - 1) >> level, l.rows)
        // Runs once per token: eight columns at a time (a token row is 16
        // wide at its level; only edge tokens have a scalar tail).
        var sum = SIMD8<Double>(), sq = SIMD8<Double>(), grad = SIMD8<Double>()
        var lo = SIMD8<Float>(repeating: .infinity), hi = SIMD8<Float>(repeating: -.infinity)
        var tailSum = 0.0, tailSq = 0.0, tailGrad = 0.0
        let width = x1 - x0, vectorWidth = width & ~7
        l.values.withUnsafeBufferPointer { values in
            @inline(__always) func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
                UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
            }
            @inline(__always) func magnitude(_ d: SIMD8<Double>) -> SIMD8<Double> { d.replacing(with: -d, where: d .< 0) }
            for yy in y0..<y1 {
                let row = values.baseAddress! + yy * l.columns + x0
                let below: UnsafePointer<Float>? = yy + 1 < y1 ? row + l.columns : nil
                var i = 0
                while i < vectorWidth {
                    let f = load(row + i)
                    let v = SIMD8<Double>(f)
                    sum += v; sq += v * v
                    lo.replace(with: f, where: f .< lo); hi.replace(with: f, where: f .> hi)
                    // Right neighbours; the row's last pixel has none (its own value: difference 0).
                    let right = i + 8 < width ? load(row + i + 1) : SIMD8(f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[7])
                    grad += magnitude(SIMD8<Double>(right) - v)
                    if let below { grad += magnitude(SIMD8<Double>(load(below + i)) - v) }
                    i += 8
                }
                for j in vectorWidth..<width {
                    let f = row[j], v = Double(f)
                    tailSum += v; tailSq += v * v
                    lo[0] = Swift.min(lo[0], f); hi[0] = Swift.max(hi[0], f)
                    if j + 1 < width { tailGrad += abs(Double(row[j + 1]) - v) }
                    if let below { tailGrad += abs(Double(below[j]) - v) }
                }
            }
        }
        let n = Double(width * (y1 - y0))
        let gn = Double((y1 - y0) * max(width - 1, 0) + max(y1 - y0 - 1, 0) * width)
        let total = sum.sum() + tailSum, squares = sq.sum() + tailSq, gradient = grad.sum() + tailGrad
        let mean = total / max(n, 1)
        return [mean, max(squares / max(n, 1) - mean * mean, 0).squareRoot(), gn > 0 ? gradient / gn : 0,
                Double(lo.min()), Double(hi.max())]
    }
}
