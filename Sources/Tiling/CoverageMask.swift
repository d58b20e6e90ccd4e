extension TokenMap {
    /// One byte per image pixel, row-major: `finest` under a finest
    /// (basePatch) token, `coarser` under a coarser one, `dropped` where no
    /// token lies. What ROI coverage counts and what the SEG's finest-token
    /// segment shows, painted one way for both.
    public func coverageMask(finest: UInt8, coarser: UInt8, dropped: UInt8 = 0) -> [UInt8] {
        let rows = image.rows, columns = image.columns
        var mask = [UInt8](repeating: dropped, count: rows * columns)
        for t in tokens {
            let value = (t.w <= basePatch && t.h <= basePatch) ? finest : coarser
            for y in max(t.y, 0)..<min(t.y + t.h, rows) {
                for x in max(t.x, 0)..<min(t.x + t.w, columns) { mask[y * columns + x] = value }
            }
        }
        return mask
    }
}
