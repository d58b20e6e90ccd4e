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
            let r = (p.rows + 1) / 2, c = (p.columns + 1) / 2
            let next = [Float](unsafeUninitializedCapacity: r * c) { out, n in
                p.values.withUnsafeBufferPointer { v in
                    for y in 0..<r {
                        let a = 2 * y * p.columns, b = min(2 * y + 1, p.rows - 1) * p.columns
                        for x in 0..<c {
                            let x0 = 2 * x, x1 = min(2 * x + 1, p.columns - 1)
                            out[y * c + x] = 0.25 * (v[a + x0] + v[a + x1] + v[b + x0] + v[b + x1])
                        }
                    }
                }
                n = r * c
            }
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
        var sum = 0.0, sq = 0.0, grad = 0.0, lo = Double.infinity, hi = -Double.infinity
        var n = 0.0, gn = 0.0
        l.values.withUnsafeBufferPointer { values in
            for yy in y0..<y1 {
                let row = yy * l.columns
                for xx in x0..<x1 {
                    let v = Double(values[row + xx])
                    sum += v; sq += v * v; n += 1
                    lo = min(lo, v); hi = max(hi, v)
                    if xx + 1 < x1 { grad += abs(Double(values[row + xx + 1]) - v); gn += 1 }
                    if yy + 1 < y1 { grad += abs(Double(values[row + l.columns + xx]) - v); gn += 1 }
                }
            }
        }
        let mean = sum / max(n, 1)
        return [mean, max(sq / max(n, 1) - mean * mean, 0).squareRoot(), gn > 0 ? grad / gn : 0, lo, hi]
    }
}
