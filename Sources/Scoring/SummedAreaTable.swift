/// Summed-area tables of the masked values and of the mask, interleaved so
/// one box query touches the same cache lines for both: the sum and the
/// foreground count over any axis-aligned box in O(1).
struct MaskedSummedAreaTable {
    let rows: Int
    let columns: Int
    /// (rows+1) × (columns+1) pairs (value sum, pixel count), zero first row and column.
    private let table: [Double]

    init(values: [Float], mask: [UInt8], rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        let stride = 2 * (columns + 1)
        var t = [Double](repeating: 0, count: (rows + 1) * stride)
        t.withUnsafeMutableBufferPointer { t in
            mask.withUnsafeBufferPointer { m in
                values.withUnsafeBufferPointer { v in
                    for y in 0..<rows {
                        var rowValue = 0.0, rowCount = 0.0
                        let base = y * columns, above = y * stride, here = (y + 1) * stride
                        for x in 0..<columns {
                            let inside = m[base + x] != 0
                            rowValue += inside ? Double(v[base + x]) : 0
                            rowCount += inside ? 1 : 0
                            t[here + 2 * x + 2] = t[above + 2 * x + 2] + rowValue
                            t[here + 2 * x + 3] = t[above + 2 * x + 3] + rowCount
                        }
                    }
                }
            }
        }
        table = t
    }

    /// (value sum, foreground count) over [x0, x1) × [y0, y1), clipped to the image.
    @inline(__always)
    func sum(x0: Int, y0: Int, x1: Int, y1: Int) -> (value: Double, count: Double) {
        let a = 2 * max(0, min(x0, columns)), b = 2 * max(0, min(x1, columns))
        let s = 2 * (columns + 1)
        let c = max(0, min(y0, rows)) * s, d = max(0, min(y1, rows)) * s
        return table.withUnsafeBufferPointer { t in
            (t[d + b] - t[c + b] - t[d + a] + t[c + a], t[d + b + 1] - t[c + b + 1] - t[d + a + 1] + t[c + a + 1])
        }
    }
}
