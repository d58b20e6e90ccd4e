/// Pixel noise measured on the image: the median absolute difference of
/// neighbouring foreground pixels (1.4826 · MAD / √2 is σ for white noise;
/// edges are a minority of pairs and leave the median alone). Per block of
/// 4×4 cells where it has enough pairs, never above the image's own value
/// (a flatter block gets its lower noise: a subtle lesion there must still
/// count) nor below a quarter of it.
struct NoiseEstimate {
    let global: Double
    let blockSize: Int
    let blockColumns: Int
    let blocks: [Double]

    init(values: [Float], mask: [UInt8], rows: Int, columns: Int, grid: CellGrid, floor: Double) {
        let blockSize = 4 * grid.cellSize, blockColumns = (columns + blockSize - 1) / blockSize
        self.blockSize = blockSize
        self.blockColumns = blockColumns
        let blockCount = ((rows + blockSize - 1) / blockSize) * blockColumns
        // Pixel pairs (x, x+1) and (x, x+columns) from every other row and
        // column: a quarter of the pairs, the same median to within its
        // sampling noise. Each block's differences go to its own fixed slot
        // of one buffer (at most 2 per sampled pixel), in one pass.
        let capacity = 2 * ((blockSize + 1) / 2) * ((blockSize + 1) / 2)
        var all = [Float](repeating: 0, count: blockCount * capacity)
        var counts = [Int](repeating: 0, count: blockCount)
        values.withUnsafeBufferPointer { v in
        mask.withUnsafeBufferPointer { m in
        all.withUnsafeMutableBufferPointer { a in
        counts.withUnsafeMutableBufferPointer { n in
            for y in Swift.stride(from: 0, to: rows, by: 2) {
                let row = y &* columns, blockRow = (y / blockSize) &* blockColumns
                for x in Swift.stride(from: 0, to: columns, by: 2) where m[row &+ x] != 0 {
                    let p = row &+ x, b = blockRow &+ x / blockSize, base = b &* capacity
                    if x + 1 < columns && m[p &+ 1] != 0 { a[base &+ n[b]] = abs(v[p &+ 1] - v[p]); n[b] &+= 1 }
                    if y + 1 < rows && m[p &+ columns] != 0 { a[base &+ n[b]] = abs(v[p &+ columns] - v[p]); n[b] &+= 1 }
                }
            }
        }}}}
        let scale = 1.4826 / 2.0.squareRoot()
        // The image's value from every block's differences (before the blocks reorder theirs).
        var sample: [Float] = []
        sample.reserveCapacity(counts.reduce(0, +))
        for b in 0..<blockCount { sample += all[(b * capacity)..<(b * capacity + counts[b])] }
        let g = sample.isEmpty ? 0 : max(Double(Self.median(&sample)) * scale, floor)
        global = g
        blocks = all.withUnsafeMutableBufferPointer { a in
            (0..<blockCount).map { b in
                let n = counts[b]
                guard n >= 24 else { return g }
                let slice = UnsafeMutableBufferPointer(rebasing: a[(b * capacity)..<(b * capacity + n)])
                return min(g, max(Double(Self.select(slice, rank: (n - 1) / 2)) * scale, g / 4))
            }
        }
    }

    @inline(__always) func sigma(x: Int, y: Int) -> Double { blocks[(y / blockSize) &* blockColumns &+ x / blockSize] }

    /// The lower median, by selection (the array is reordered).
    static func median(_ a: inout [Float]) -> Float { select(&a, rank: (a.count - 1) / 2) }

    static func select(_ a: inout [Float], rank k: Int) -> Float {
        a.withUnsafeMutableBufferPointer { select($0, rank: k) }
    }

    /// The value of rank k (0-based) in sorted order, by selection (reordered in place).
    static func select(_ a: UnsafeMutableBufferPointer<Float>, rank k: Int) -> Float {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return a[k] }
        }
        return a[k]
    }
}
