/// Background cells in which no signal was recorded: their pixels spread
/// less than one standard deviation of the image's pixel noise (a cell of
/// real exposure spans several), as in saturated direct exposure or a
/// blanked film border. The
/// certificate's reach into a radiograph's background (its mask is a
/// heuristic, so a lesion at the field edge may continue past it) stops at
/// such cells: nothing, a lesion's edge included, can be in them. A cell of
/// collimation or exposure with mere low contrast is not constant and stays.
enum FlatBackground {
    /// Per cell of `grid`: true for a cell without foreground whose pixel
    /// range stays below the noise. Cells with foreground: false.
    static func cells(values: [Float], columns: Int, grid: CellGrid, cellForeground: [Float],
                      noiseSigma: Double) -> [Bool] {
        var flat = [Bool](repeating: false, count: grid.count)
        let s = grid.cellSize
        values.withUnsafeBufferPointer { v in
            for c in 0..<grid.count where cellForeground[c] == 0 {
                let y0 = (c / grid.columns) * s, x0 = (c % grid.columns) * s
                let y1 = min(y0 + s, grid.imageRows), x1 = min(x0 + s, grid.imageColumns)
                var low = Float.infinity, high = -Float.infinity
                for y in y0..<y1 {
                    let row = y * columns
                    for x in x0..<x1 { let value = v[row + x]; low = min(low, value); high = max(high, value) }
                }
                flat[c] = low <= high && Double(high - low) < noiseSigma
            }
        }
        return flat
    }
}
