import Foundation

/// Contrast-to-noise of a lesion-like blob, spread over the blob's whole
/// footprint. Pure: buffers in, values out.
///
/// Why each part:
/// - *Isotropic*: the centre box is compared with each of the 8 boxes around
///   it and the weakest difference counts, so a blob must stand out from
///   every side. An edge (bone cortex, a collimator border) or a ridge (a
///   rib) has one side level with it and scores ~0; the plain centre–ring
///   difference rewards both.
/// - *Noise*: divided by the ring's standard deviation, which is what "subtle"
///   means to a reader: CNR 5 on smooth tissue is as visible as CNR 5 on
///   trabecular bone, though the raw contrasts differ tenfold.
/// - *Unclipped*: computed on the linear window without clipping, so a lesion
///   in the brightest or darkest 1% of a radiograph (beyond the display
///   percentiles) keeps its contrast.
/// - *Footprint*: a detection marks every cell within 2 box half-sizes
///   (+1 px) of its centre, so the rim, the interior and the spicules of a
///   mass score like its centre (the coverage rule needs every ROI pixel in a
///   fine token). The box that matches a lesion of radius R has half-size
///   ≈ 0.9 R, and spicules reach 1.8 R.
enum LesionContrast {
    /// Added to the ring's standard deviation (window units, window = 1):
    /// keeps a perfectly flat ring (a saturated detector region) finite
    /// without hiding a small lesion on it.
    static let noiseFloor = 1e-4

    /// Per cell, CNR / (CNR + 5) of the strongest blob whose footprint
    /// reaches the cell: 0.5 at the Rose criterion, → 1 for obvious ones.
    /// `values` is the plane through the linear, unclipped window.
    static func cells(values: [Float], mask: [UInt8], rows: Int, columns: Int, grid: CellGrid,
                      radii: [Double], polarity: BlobPolarity) -> [Float] {
        var best = [Float](repeating: 0, count: grid.count)
        guard !radii.isEmpty else { return best }
        let table = MaskedSummedAreaTable(values: values, mask: mask, rows: rows, columns: columns)
        let cs = grid.cellSize
        for radius in radii {
            let r = max(1, Int(radius.rounded()))
            // Half-radius sampling: the best centre is within r/2·√2/2 of a sample.
            let step = max(1, r / 2)
            let reach = 2 * Double(r) + 1, reach2 = reach * reach
            let minInner = Double((2 * r + 1) * (2 * r + 1)) / 2
            let stride = 3 * (columns + 1)
            mask.withUnsafeBufferPointer { m in
            table.withTable { t in
                // The 3×3 boxes (8 sectors around the centre box) share 16
                // corners: x − 2r, x − r, x + r + 1, x + 2r + 1 (same in y).
                // Corner triples (sum, square, count) of the 4×4 grid, reused per sample.
                let corner = UnsafeMutablePointer<Double>.allocate(capacity: 48)
                defer { corner.deallocate() }
                // Box (i, j) of the 3×3 arrangement (h × w boxes) from its four corners; k: 0 sum, 1 square, 2 count.
                @inline(__always) func box(_ k: Int, _ i: Int, _ j: Int, _ h: Int = 1, _ w: Int = 1) -> Double {
                    corner[3 * (4 * (i + h) + j + w) + k] - corner[3 * (4 * i + j + w) + k]
                        - corner[3 * (4 * (i + h) + j) + k] + corner[3 * (4 * i + j) + k]
                }
                var y = step / 2
                while y < rows {
                    defer { y += step }
                    let ys = SIMD4(y - 2 * r, y - r, y + r + 1, y + 2 * r + 1)
                        .clamped(lowerBound: .zero, upperBound: SIMD4(repeating: rows)) &* stride
                    var x = step / 2
                    while x < columns {
                        defer { x += step }
                        guard m[y * columns + x] != 0 else { continue }
                        let xs = SIMD4(x - 2 * r, x - r, x + r + 1, x + 2 * r + 1)
                            .clamped(lowerBound: .zero, upperBound: SIMD4(repeating: columns)) &* 3
                        for i in 0..<4 {
                            for j in 0..<4 {
                                let o = ys[i] + xs[j], c = 3 * (4 * i + j)
                                corner[c] = t[o]; corner[c + 1] = t[o + 1]; corner[c + 2] = t[o + 2]
                            }
                        }
                        let innerCount = box(2, 1, 1)
                        guard innerCount >= minInner else { continue }
                        let innerMean = box(0, 1, 1) / innerCount
                        var lowest = Double.infinity, highest = -Double.infinity
                        for i in 0..<3 {
                            for j in 0..<3 where i != 1 || j != 1 {
                                let n = box(2, i, j)
                                guard n > 0 else { continue }
                                let d = innerMean - box(0, i, j) / n
                                lowest = min(lowest, d); highest = max(highest, d)
                            }
                        }
                        guard lowest.isFinite else { continue }
                        let contrast: Double
                        switch polarity {
                        case .bright: contrast = lowest
                        case .dark: contrast = -highest
                        case .both: contrast = max(lowest, -highest)
                        }
                        guard contrast > 0 else { continue }
                        let ringCount = box(2, 0, 0, 3, 3) - innerCount
                        guard ringCount >= 1 else { continue }
                        let ringMean = (box(0, 0, 0, 3, 3) - box(0, 1, 1)) / ringCount
                        let ringSquare = (box(1, 0, 0, 3, 3) - box(1, 1, 1)) / ringCount
                        let ringVar = max(ringSquare - ringMean * ringMean, 0)
                        let cnr = contrast / (ringVar.squareRoot() + noiseFloor)
                        let value = Float(cnr / (cnr + 5))
                        paint(value, x: x, y: y, reach: reach, reach2: reach2, cellSize: cs, grid: grid, into: &best)
                    }
                }
            }
            }
        }
        return best
    }

    /// Raises every cell whose rectangle meets the disc of radius `reach` around (x, y).
    @inline(__always)
    static func paint(_ value: Float, x: Int, y: Int, reach: Double, reach2: Double, cellSize cs: Int,
                      grid: CellGrid, into best: inout [Float]) {
        let r = Int(reach)
        let cy0 = max(0, (y - r) / cs), cy1 = min(grid.rows - 1, (y + r) / cs)
        let cx0 = max(0, (x - r) / cs), cx1 = min(grid.columns - 1, (x + r) / cs)
        guard cy0 <= cy1, cx0 <= cx1 else { return }
        for cy in cy0...cy1 {
            let top = cy * cs, dy = Double(max(top - y, 0, y - (top + cs - 1)))
            for cx in cx0...cx1 {
                let left = cx * cs, dx = Double(max(left - x, 0, x - (left + cs - 1)))
                guard dx * dx + dy * dy <= reach2 else { continue }
                let c = cy * grid.columns + cx
                if value > best[c] { best[c] = value }
            }
        }
    }
}
