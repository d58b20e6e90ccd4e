import Foundation
import Imaging

/// Per-cell statistics of the normalised image, over foreground pixels only,
/// computed in one pass over the pixels plus summed-area tables for the
/// multi-scale blob detector. Pure: buffers in, values out.
public struct CellFeatures: Sendable {
    public let grid: CellGrid
    /// Fraction of the cell's pixels that are foreground.
    public var foreground: [Float]
    public var mean: [Float]
    public var std: [Float]
    /// Mean absolute forward difference (|∂x| + |∂y|) between foreground pixels.
    public var gradient: [Float]
    /// Shannon entropy of a 16-bin histogram, divided by 4 bits (so 0…1).
    public var entropy: [Float]
    /// Centre–surround contrast per blob radius: the best response of any
    /// blob centred in the cell.
    public var blob: [[Float]]
    /// The strongest blob contrast over all radii divided by the standard
    /// deviation of its surrounding ring (a contrast-to-noise ratio), /10
    /// and capped at 1: subtle lesions in smooth tissue stand out here.
    /// All 0 when not asked for (`compute(… blobCNR: false)`).
    public var blobCNR: [Float]
    /// Domain prior (CT: solid tissue in a lung neighbourhood), 0…1.
    public var prior: [Float]
    /// Isotropic blob contrast-to-noise over the blob's footprint, 0…1
    /// (`LesionContrast`); all 0 unless the profile weighs it.
    public var lesionCNR: [Float]

    public static let histogramBins = 16

    /// `hu` is the plane in its own units (used for CT tissue classes);
    /// `normalized` the same plane mapped to [0, 1]; `mask` the foreground.
    /// `lesionValues` (the unclipped plane) turns on `lesionCNR`; `blobCNR:
    /// false` leaves `blobCNR` at 0 (a quarter of the blob detector's work).
    public static func compute(hu: ImagePlane, normalized: [Float], mask: [UInt8], cellSize: Int,
                               domain: ImageDomain, blobRadiiPx: [Double], blobPolarity: BlobPolarity = .both,
                               lesionValues: [Float]? = nil, blobCNR: Bool = true) -> CellFeatures {
        let grid = CellGrid(imageRows: hu.rows, imageColumns: hu.columns, cellSize: cellSize)
        let isCT = domain == .ct
        let sums = accumulate(hu: hu, normalized: normalized, mask: mask, grid: grid, isCT: isCT)
        var features = moments(sums, grid: grid)
        if isCT { features.prior = lungNodulePrior(grid: grid, soft: sums.soft, lung: sums.lung, count: sums.count) }
        if let lesionValues {
            features.lesionCNR = LesionContrast.cells(values: lesionValues, mask: mask, rows: hu.rows, columns: hu.columns, grid: grid,
                                                      radii: blobRadiiPx, polarity: blobPolarity)
        }
        (features.blob, features.blobCNR) = blobResponses(normalized: normalized, mask: mask, rows: hu.rows, columns: hu.columns,
                                                          grid: grid, radii: blobRadiiPx, polarity: blobPolarity,
                                                          withCNR: blobCNR)
        return features
    }

    /// Per-cell sums from one pass over the pixels: foreground count, value
    /// sum and sum of squares, gradient sum and count, the 16-bin histogram,
    /// and (CT) soft-tissue and aerated-lung pixel counts.
    struct CellSums {
        var count: [Int32], sum: [Float], sq: [Float], grad: [Float], gradCount: [Int32]
        var histogram: [Int32], soft: [Int32], lung: [Int32]
    }

    /// A zero-filled buffer for the pass; the caller deallocates it.
    private static func zeroed<T: Numeric>(_ n: Int) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: n)
        buffer.initialize(repeating: 0)
        return buffer
    }

    /// The one pass. Rows go two at a time when they share a cell row: each
    /// row's segment keeps its own registers (and the second row its own
    /// histogram), so the two chains of dependent additions run side by side,
    /// and are merged into the cell row after row as before (same additions,
    /// same order, same bits).
    static func accumulate(hu: ImagePlane, normalized: [Float], mask: [UInt8], grid: CellGrid, isCT: Bool) -> CellSums {
        let n = grid.count, cols = hu.columns, rows = hu.rows, cellSize = grid.cellSize
        let bins = Float(histogramBins), lastBin = histogramBins - 1
        let count: UnsafeMutableBufferPointer<Int32> = zeroed(n), gradCount: UnsafeMutableBufferPointer<Int32> = zeroed(n)
        let soft: UnsafeMutableBufferPointer<Int32> = zeroed(n), lung: UnsafeMutableBufferPointer<Int32> = zeroed(n)
        let sum: UnsafeMutableBufferPointer<Float> = zeroed(n), sq: UnsafeMutableBufferPointer<Float> = zeroed(n)
        let grad: UnsafeMutableBufferPointer<Float> = zeroed(n)
        let histogram: UnsafeMutableBufferPointer<Int32> = zeroed(n * histogramBins)
        let histogram2: UnsafeMutableBufferPointer<Int32> = zeroed(n * histogramBins)
        defer {
            for b in [count, gradCount, soft, lung, histogram, histogram2] { b.deallocate() }
            for b in [sum, sq, grad] { b.deallocate() }
        }
        normalized.withUnsafeBufferPointer { v in
        mask.withUnsafeBufferPointer { m in
        hu.values.withUnsafeBufferPointer { h in
            /// One row's share of one cell.
            struct Segment {
                var n: Int32 = 0, s: Float = 0, s2: Float = 0, g: Float = 0, gn: Int32 = 0, so: Int32 = 0, lu: Int32 = 0
            }
            @inline(__always) func add(_ a: inout Segment, _ p: Int, _ x: Int, _ hasBelow: Bool,
                                       _ hist: UnsafeMutableBufferPointer<Int32>, _ bins0: Int) {
                guard m[p] != 0 else { return }
                let value = v[p]
                a.n &+= 1
                a.s += value
                a.s2 += value * value
                // value is in [0, 1]: the bin index is in range by construction.
                let bin: Int = min(Int(value * bins), lastBin)
                hist[bins0 &+ bin] &+= 1
                var k: Int32 = 0
                if x + 1 < cols && m[p + 1] != 0 { a.g += abs(v[p + 1] - value); k = 1 }
                if hasBelow && m[p + cols] != 0 { a.g += abs(v[p + cols] - value); k = 1 }
                a.gn &+= k
                if isCT {
                    // Branch-free (the two ranges are disjoint): HU values
                    // jump about, and mispredicted branches here cost more
                    // than the rest of the pixel.
                    let u = h[p]
                    a.so &+= (u > -100 ? 1 : 0) & (u < 300 ? 1 : 0)
                    a.lu &+= (u > -950 ? 1 : 0) & (u < -500 ? 1 : 0)
                }
            }
            @inline(__always) func merge(_ a: Segment, into c: Int) {
                guard a.n > 0 else { return }
                count[c] &+= a.n; sum[c] += a.s; sq[c] += a.s2; grad[c] += a.g; gradCount[c] &+= a.gn
                soft[c] &+= a.so; lung[c] &+= a.lu
            }
            var y = 0
            while y < rows {
                let rowBase = (y / cellSize) * grid.columns
                let p0 = y * cols
                let paired = y + 1 < rows && (y + 1) / cellSize == y / cellSize
                for cx in 0..<grid.columns {
                    let xs = cx * cellSize, xe = min(xs + cellSize, cols)
                    let c = rowBase + cx
                    let hist = c &* histogramBins
                    var first = Segment()
                    if paired {
                        var second = Segment()
                        let secondHasBelow = y + 2 < rows
                        for x in xs..<xe {
                            add(&first, p0 &+ x, x, true, histogram, hist)
                            add(&second, p0 &+ cols &+ x, x, secondHasBelow, histogram2, hist)
                        }
                        merge(first, into: c)
                        merge(second, into: c)
                    } else {
                        for x in xs..<xe { add(&first, p0 &+ x, x, y + 1 < rows, histogram, hist) }
                        merge(first, into: c)
                    }
                }
                y += paired ? 2 : 1
            }
            for i in 0..<histogram.count { histogram[i] &+= histogram2[i] }
        }}}
        return CellSums(count: Array(count), sum: Array(sum), sq: Array(sq), grad: Array(grad), gradCount: Array(gradCount),
                        histogram: Array(histogram), soft: Array(soft), lung: Array(lung))
    }

    /// Foreground share, mean, standard deviation, mean gradient and
    /// normalised histogram entropy of every cell, from its sums.
    static func moments(_ sums: CellSums, grid: CellGrid) -> CellFeatures {
        let n = grid.count, cellSize = grid.cellSize, bins = Float(histogramBins)
        var features = CellFeatures(grid: grid, foreground: [Float](repeating: 0, count: n),
                                    mean: [Float](repeating: 0, count: n), std: [Float](repeating: 0, count: n),
                                    gradient: [Float](repeating: 0, count: n), entropy: [Float](repeating: 0, count: n),
                                    blob: [], blobCNR: [Float](repeating: 0, count: n), prior: [Float](repeating: 0, count: n),
                                    lesionCNR: [Float](repeating: 0, count: n))
        for c in 0..<n where sums.count[c] > 0 {
            let cy = c / grid.columns, cx = c % grid.columns
            let area = min(cellSize, grid.imageRows - cy * cellSize) * min(cellSize, grid.imageColumns - cx * cellSize)
            let k = Float(sums.count[c])
            let mu = sums.sum[c] / k
            features.foreground[c] = k / Float(area)
            features.mean[c] = mu
            features.std[c] = max(sums.sq[c] / k - mu * mu, 0).squareRoot()
            features.gradient[c] = sums.gradCount[c] > 0 ? sums.grad[c] / Float(sums.gradCount[c]) : 0
            var e: Float = 0
            for b in 0..<histogramBins {
                let q = Float(sums.histogram[c * histogramBins + b]) / k
                if q > 0 { e -= q * log2(q) }
            }
            features.entropy[c] = e / log2(bins)
        }
        return features
    }

    /// Solid tissue in a cell whose neighbourhood is lung: the 2-D signature
    /// of a nodule. soft(cell) × the highest lung fraction among its 8 neighbours.
    static func lungNodulePrior(grid: CellGrid, soft: [Int32], lung: [Int32], count: [Int32]) -> [Float] {
        var prior = [Float](repeating: 0, count: grid.count)
        for cy in 0..<grid.rows {
            for cx in 0..<grid.columns {
                let c = cy * grid.columns + cx
                guard count[c] > 0, soft[c] > 0 else { continue }
                var best: Float = 0
                for dy in -1...1 {
                    for dx in -1...1 where dx != 0 || dy != 0 {
                        let y = cy + dy, x = cx + dx
                        guard y >= 0, y < grid.rows, x >= 0, x < grid.columns else { continue }
                        let j = y * grid.columns + x
                        if count[j] > 0 { best = max(best, Float(lung[j]) / Float(count[j])) }
                    }
                }
                prior[c] = Float(soft[c]) / Float(count[c]) * best
            }
        }
        return prior
    }

    /// mean(centre box of half-size r) − mean(surrounding ring out to 2r),
    /// kept when positive (bright blobs), negative (dark) or either,
    /// both over foreground pixels, sampled every max(2, r) pixels; each
    /// cell keeps the strongest response centred inside it. The ring's
    /// contrast-to-noise ratio is worked out only when `withCNR`.
    static func blobResponses(normalized: [Float], mask: [UInt8], rows: Int, columns: Int,
                              grid: CellGrid, radii: [Double], polarity: BlobPolarity, withCNR: Bool) -> ([[Float]], [Float]) {
        var cnr = [Float](repeating: 0, count: grid.count)
        guard !radii.isEmpty else { return ([], cnr) }
        let table = MaskedSummedAreaTable(values: normalized, mask: mask, rows: rows, columns: columns, squares: withCNR)
        let channels = table.channels, rowStride = channels * (columns + 1), countAt = channels - 1
        let pixelRadii = radii.map { max(1, Int($0.rounded())) }
        // Pixel counts are whole numbers up to an outer box's area: their
        // reciprocals come from a table (the same values a division gives)
        // instead of two divisions per sample, this loop's critical path.
        let largest = pixelRadii.max()!
        let reciprocal = (0...(16 * largest * largest)).map { $0 == 0 ? 0 : 1 / Double($0) }
        // A radius and its double sampled at the same points (both at step
        // 2) share one pass: the ring's outer box of r is the centre box of
        // 2r, read once. Each radius still gets exactly its own arithmetic.
        var passes: [[Int]] = []
        for (i, r) in pixelRadii.enumerated() {
            if let last = passes.last, last.count == 1, 2 * pixelRadii[last[0]] == r,
               max(2, pixelRadii[last[0]]) == max(2, r) {
                passes[passes.count - 1].append(i)
            } else {
                passes.append([i])
            }
        }
        var responses = [Float](repeating: 0, count: radii.count * grid.count)
        for pass in passes {
            let r = pixelRadii[pass[0]]
            let step = max(2, r)  // a blob of radius r centred anywhere is within r/2·√2 of a sample
            let boxes = pass.count + 1  // half-sizes r, 2r (, 4r): radius k's centre is box k, its ring reaches box k + 1
            // Per sample column, worked out once for every sample row: each
            // box's clamped left and right edges as table offsets, then the
            // cell column.
            let xs = Array(Swift.stride(from: step / 2, to: columns, by: step))
            let perColumn = 2 * boxes + 1
            let edges: [Int] = xs.flatMap { (x: Int) -> [Int] in
                var out: [Int] = []
                for b in 0..<boxes {
                    let h = r << b
                    out.append(channels * max(0, min(x - h, columns)))
                    out.append(channels * max(0, min(x + h, columns)))
                }
                return out + [x / grid.cellSize]
            }
            reciprocal.withUnsafeBufferPointer { reciprocal in
            edges.withUnsafeBufferPointer { edges in
            table.withTable { t in
            responses.withUnsafeMutableBufferPointer { responses in
            cnr.withUnsafeMutableBufferPointer { cnr in
            mask.withUnsafeBufferPointer { m in
                /// Channel k summed over the box between table rows top and
                /// bottom and table columns left and right (offsets).
                @inline(__always) func sum(_ top: Int, _ bottom: Int, _ left: Int, _ right: Int, _ k: Int) -> Double {
                    t[bottom &+ right &+ k] - t[top &+ right &+ k] - t[bottom &+ left &+ k] + t[top &+ left &+ k]
                }
                /// One radius at one sample, from its centre box (inner) and
                /// the box its ring reaches (outer): raises the cell's
                /// response for `radius` (and its CNR).
                @inline(__always) func respond(radius: Int, r: Int, cell c: Int, innerCount: Double, outerCount: Double,
                                               inner: (Int, Int, Int, Int), outer: (Int, Int, Int, Int)) {
                    guard innerCount >= Double(2 * r * r) else { return }  // half the centre box is foreground
                    let ringCount = outerCount - innerCount
                    guard ringCount >= 1 else { return }
                    let innerValue = sum(inner.0, inner.1, inner.2, inner.3, 0), invRing = reciprocal[Int(ringCount)]
                    let ringMean = (sum(outer.0, outer.1, outer.2, outer.3, 0) - innerValue) * invRing
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
                    let ringSquares = sum(outer.0, outer.1, outer.2, outer.3, 1) - sum(inner.0, inner.1, inner.2, inner.3, 1)
                    let ringVar = Float(max(ringSquares * invRing - ringMean * ringMean, 0))
                    let ratio = min(contrast / (ringVar.squareRoot() + 0.01) * 0.1, 1)
                    if ratio > cnr[c] { cnr[c] = ratio }
                }
                for y in Swift.stride(from: step / 2, to: rows, by: step) {
                    func row(_ y: Int) -> Int { max(0, min(y, rows)) * rowStride }
                    let cellRow = (y / grid.cellSize) * grid.columns, maskRow = y * columns
                    let top0 = row(y - r), bottom0 = row(y + r), top1 = row(y - 2 * r), bottom1 = row(y + 2 * r)
                    let top2 = row(y - 4 * r), bottom2 = row(y + 4 * r)
                    for j in 0..<xs.count where m[maskRow &+ xs[j]] != 0 {
                        let e = perColumn &* j
                        let c = cellRow &+ edges[e &+ perColumn &- 1]
                        let box0 = (top0, bottom0, edges[e], edges[e &+ 1]), box1 = (top1, bottom1, edges[e &+ 2], edges[e &+ 3])
                        let count0 = sum(box0.0, box0.1, box0.2, box0.3, countAt), count1 = sum(box1.0, box1.1, box1.2, box1.3, countAt)
                        respond(radius: pass[0], r: r, cell: c, innerCount: count0, outerCount: count1, inner: box0, outer: box1)
                        guard pass.count == 2 else { continue }
                        let box2 = (top2, bottom2, edges[e &+ 4], edges[e &+ 5])
                        respond(radius: pass[1], r: 2 * r, cell: c, innerCount: count1,
                                outerCount: sum(box2.0, box2.1, box2.2, box2.3, countAt), inner: box1, outer: box2)
                    }
                }
            }}}}}}
        }
        return ((0..<radii.count).map { Array(responses[($0 * grid.count)..<(($0 + 1) * grid.count)]) }, cnr)
    }
}
