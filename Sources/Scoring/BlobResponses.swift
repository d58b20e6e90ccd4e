import Foundation

extension CellFeatures {
    /// mean(centre box of half-size r) − mean(surrounding ring out to 2r),
    /// kept when positive (bright blobs), negative (dark) or either,
    /// both over foreground pixels, sampled every max(2, r) pixels; each
    /// cell keeps the strongest response centred inside it. The ring's
    /// contrast-to-noise ratio is worked out only when `withCNR`.
    /// - Returns: one response per cell for each radius, and the CNR per cell.
    static func blobResponses(normalized: [Float], mask: [UInt8], rows: Int, columns: Int,
                              grid: CellGrid, radii: [Double], polarity: BlobPolarity, withCNR: Bool) -> ([[Float]], [Float]) {
        var cnr = [Float](repeating: 0, count: grid.count)
        guard !radii.isEmpty else { return ([], cnr) }
        let table = MaskedSummedAreaTable(values: normalized, mask: mask, rows: rows, columns: columns, squares: withCNR)
        let pixelRadii = radii.map { max(1, Int($0.rounded())) }
        // Pixel counts are whole numbers up to an outer box's area: their
        // reciprocals come from a table (the same values a division gives)
        // instead of two divisions per sample, this loop's critical path.
        let largest = pixelRadii.max()!
        let reciprocal = (0...(16 * largest * largest)).map { $0 == 0 ? 0 : 1 / Double($0) }
        var responses = [Float](repeating: 0, count: radii.count * grid.count)
        for pass in blobPasses(pixelRadii) {
            let columnsLayout = SampleColumns(radius: pixelRadii[pass[0]], boxes: pass.count + 1, columns: columns,
                                              channels: table.channels, cellSize: grid.cellSize)
            reciprocal.withUnsafeBufferPointer { reciprocal in
            columnsLayout.edges.withUnsafeBufferPointer { edges in
            table.withTable { t in
            responses.withUnsafeMutableBufferPointer { responses in
            cnr.withUnsafeMutableBufferPointer { cnr in
            mask.withUnsafeBufferPointer { m in
                BlobPassScan(table: t, channels: table.channels, reciprocal: reciprocal, mask: m, responses: responses, cnr: cnr,
                             rows: rows, columns: columns, grid: grid, layout: columnsLayout, edges: edges,
                             radiusIndices: pass, polarity: polarity, withCNR: withCNR).run()
            }}}}}}
        }
        return ((0..<radii.count).map { Array(responses[($0 * grid.count)..<(($0 + 1) * grid.count)]) }, cnr)
    }

    /// Groups the radii into passes over the image. A radius and its double
    /// sampled at the same points (both at step 2) share one pass: the
    /// ring's outer box of r is the centre box of 2r, read once. Each
    /// radius still gets exactly its own arithmetic.
    /// - Returns: indices into `pixelRadii`, one or two per pass.
    static func blobPasses(_ pixelRadii: [Int]) -> [[Int]] {
        var passes: [[Int]] = []
        for (i, r) in pixelRadii.enumerated() {
            if let last = passes.last, last.count == 1, 2 * pixelRadii[last[0]] == r,
               max(2, pixelRadii[last[0]]) == max(2, r) {
                passes[passes.count - 1].append(i)
            } else {
                passes.append([i])
            }
        }
        return passes
    }
}

/// Where one pass samples along a row, worked out once for every sample
/// row: per sample column, each box's clamped left and right edges as
/// summed-area-table offsets, then the cell column.
struct SampleColumns {
    /// The pass's smallest half-size; boxes are r, 2r (, 4r).
    let radius: Int
    /// A blob of radius r centred anywhere is within r/2·√2 of a sample.
    let step: Int
    let xs: [Int]
    /// Entries per sample column: two edges per box, then the cell column.
    let perColumn: Int
    let edges: [Int]

    init(radius r: Int, boxes: Int, columns: Int, channels: Int, cellSize: Int) {
        radius = r
        step = max(2, r)
        xs = Array(Swift.stride(from: step / 2, to: columns, by: step))
        perColumn = 2 * boxes + 1
        edges = xs.flatMap { (x: Int) -> [Int] in
            var out: [Int] = []
            for b in 0..<boxes {
                let h = r << b
                out.append(channels * max(0, min(x - h, columns)))
                out.append(channels * max(0, min(x + h, columns)))
            }
            return out + [x / cellSize]
        }
    }
}

/// One pass of the blob detector over its sample grid: radius k's centre
/// is box k, its ring reaches box k + 1. Raises each cell's response (and
/// CNR) to the strongest sample centred inside it.
private struct BlobPassScan {
    let table: UnsafeBufferPointer<Double>
    let channels: Int
    let reciprocal: UnsafeBufferPointer<Double>
    let mask: UnsafeBufferPointer<UInt8>
    let responses: UnsafeMutableBufferPointer<Float>
    let cnr: UnsafeMutableBufferPointer<Float>
    let rows: Int, columns: Int
    let grid: CellGrid
    let layout: SampleColumns
    let edges: UnsafeBufferPointer<Int>
    let radiusIndices: [Int]
    let polarity: BlobPolarity
    let withCNR: Bool

    /// Channel k summed over the box between table rows top and bottom and
    /// table columns left and right (offsets).
    @inline(__always) func sum(_ box: (Int, Int, Int, Int), _ k: Int) -> Double {
        let (top, bottom, left, right) = box
        return table[bottom &+ right &+ k] - table[top &+ right &+ k] - table[bottom &+ left &+ k] + table[top &+ left &+ k]
    }

    /// One radius at one sample, from its centre box (inner) and the box its
    /// ring reaches (outer).
    @inline(__always) func respond(radius: Int, r: Int, cell c: Int, innerCount: Double, outerCount: Double,
                                   inner: (Int, Int, Int, Int), outer: (Int, Int, Int, Int)) {
        guard innerCount >= Double(2 * r * r) else { return }  // half the centre box is foreground
        let ringCount = outerCount - innerCount
        guard ringCount >= 1 else { return }
        let innerValue = sum(inner, 0), invRing = reciprocal[Int(ringCount)]
        let ringMean = (sum(outer, 0) - innerValue) * invRing
        let difference = innerValue * reciprocal[Int(innerCount)] - ringMean
        let contrast: Float
        switch polarity {
        case .bright: contrast = Float(max(difference, 0))
        case .dark: contrast = Float(max(-difference, 0))
        case .both: contrast = Float(abs(difference))
        }
        let slot = radius &* grid.count &+ c
        let kept = responses[slot]
        responses[slot] = contrast > kept ? contrast : kept
        guard withCNR, contrast > 0 else { return }
        let ringSquares = sum(outer, 1) - sum(inner, 1)
        let ringVar = Float(max(ringSquares * invRing - ringMean * ringMean, 0))
        let ratio = min(contrast / (ringVar.squareRoot() + 0.01) * 0.1, 1)
        if ratio > cnr[c] { cnr[c] = ratio }
    }

    func run() {
        let r = layout.radius, perColumn = layout.perColumn, xs = layout.xs
        let rowStride = channels * (columns + 1), countAt = channels - 1
        let first = radiusIndices[0], second = radiusIndices.count == 2 ? radiusIndices[1] : -1
        func row(_ y: Int) -> Int { max(0, min(y, rows)) * rowStride }
        for y in Swift.stride(from: layout.step / 2, to: rows, by: layout.step) {
            let cellRow = (y / grid.cellSize) * grid.columns, maskRow = y * columns
            let top0 = row(y - r), bottom0 = row(y + r), top1 = row(y - 2 * r), bottom1 = row(y + 2 * r)
            let top2 = row(y - 4 * r), bottom2 = row(y + 4 * r)
            for j in 0..<xs.count where mask[maskRow &+ xs[j]] != 0 {
                let e = perColumn &* j
                let c = cellRow &+ edges[e &+ perColumn &- 1]
                let box0 = (top0, bottom0, edges[e], edges[e &+ 1]), box1 = (top1, bottom1, edges[e &+ 2], edges[e &+ 3])
                let count0 = sum(box0, countAt), count1 = sum(box1, countAt)
                respond(radius: first, r: r, cell: c, innerCount: count0, outerCount: count1, inner: box0, outer: box1)
                guard second >= 0 else { continue }
                let box2 = (top2, bottom2, edges[e &+ 4], edges[e &+ 5])
                respond(radius: second, r: 2 * r, cell: c, innerCount: count1, outerCount: sum(box2, countAt), inner: box1, outer: box2)
            }
        }
    }
}
