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
}
