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
                    // A row's running sums are chains of dependent additions
                    // (their order fixes the bits), so rows go four at a time,
                    // one SIMD lane each: the same additions in the same
                    // order, four chains side by side instead of one.
                    @inline(__always) func sumRows(from y: Int, _ n: Int) {
                        var rowValue = SIMD4<Double>(), rowSquare = SIMD4<Double>(), rowCount = SIMD4<Double>()
                        for k in 0..<n { for c in 0..<channels { t[(y &+ k &+ 1) &* stride &+ c] = 0 } }
                        for x in 0..<columns {
                            var value = SIMD4<Double>(), inside = SIMD4<Double>()
                            for k in 0..<n {
                                let p = (y &+ k) &* columns &+ x, isInside = m[p] != 0
                                value[k] = isInside ? Double(v[p]) : 0
                                inside[k] = isInside ? 1 : 0
                            }
                            rowValue += value
                            rowCount += inside
                            if squares { rowSquare += value * value }
                            let o = channels &* (x &+ 1)
                            for k in 0..<n {
                                let above = (y &+ k) &* stride &+ o, here = above &+ stride
                                t[here] = t[above] + rowValue[k]
                                if squares {
                                    t[here &+ 1] = t[above &+ 1] + rowSquare[k]
                                    t[here &+ 2] = t[above &+ 2] + rowCount[k]
                                } else {
                                    t[here &+ 1] = t[above &+ 1] + rowCount[k]
                                }
                            }
                        }
                    }
                    var y = 0
                    while y + 4 <= rows { sumRows(from: y, 4); y += 4 }
                    if y < rows { sumRows(from: y, rows - y) }
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
