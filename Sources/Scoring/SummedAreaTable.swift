/// Summed-area tables of the masked values and of the mask, interleaved so
/// one box query touches the same cache lines for both: the sum and the
/// foreground count over any axis-aligned box in O(1).
struct MaskedSummedAreaTable {
    let rows: Int
    let columns: Int
    /// Sums per entry: 3 (value, squared value, pixel count), or 2 (value,
    /// pixel count) when built without squares.
    let channels: Int
    /// (rows+1) × (columns+1) entries, zero first row and column.
    private let table: [Double]

    /// `squares: false` leaves out the squared values (no ring variance),
    /// a third less to build and to read.
    init(values: [Float], mask: [UInt8], rows: Int, columns: Int, squares: Bool = true) {
        self.rows = rows
        self.columns = columns
        channels = squares ? 3 : 2
        let channels = channels, stride = channels * (columns + 1)
        // Uninitialised: every entry is written below (the first row and
        // column as zeros), so the megabytes of a table are not cleared twice.
        table = [Double](unsafeUninitializedCapacity: (rows + 1) * stride) { t, count in
            for i in 0..<stride { t[i] = 0 }
            mask.withUnsafeBufferPointer { m in
                values.withUnsafeBufferPointer { v in
                    for y in 0..<rows {
                        var rowValue = 0.0, rowSquare = 0.0, rowCount = 0.0
                        let base = y * columns, above = y * stride, here = (y + 1) * stride
                        for k in 0..<channels { t[here + k] = 0 }
                        if squares {
                            for x in 0..<columns {
                                let inside = m[base + x] != 0
                                let value = inside ? Double(v[base + x]) : 0
                                rowValue += value
                                rowSquare += value * value
                                rowCount += inside ? 1 : 0
                                let o = 3 * x + 3
                                t[here + o] = t[above + o] + rowValue
                                t[here + o + 1] = t[above + o + 1] + rowSquare
                                t[here + o + 2] = t[above + o + 2] + rowCount
                            }
                        } else {
                            for x in 0..<columns {
                                let inside = m[base + x] != 0
                                rowValue += inside ? Double(v[base + x]) : 0
                                rowCount += inside ? 1 : 0
                                let o = 2 * x + 2
                                t[here + o] = t[above + o] + rowValue
                                t[here + o + 1] = t[above + o + 1] + rowCount
                            }
                        }
                    }
                }
            }
            count = (rows + 1) * stride
        }
    }

    /// Calls `body` with the table: (rows+1) × (columns+1) entries of
    /// `channels` sums, row stride channels·(columns+1), for callers that
    /// read many corners per query.
    func withTable<R>(_ body: (UnsafeBufferPointer<Double>) -> R) -> R { table.withUnsafeBufferPointer(body) }
}
