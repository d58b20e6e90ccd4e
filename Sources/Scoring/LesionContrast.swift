import Foundation

/// Contrast-to-noise of a lesion-like blob, spread over the blob's whole
/// footprint. Pure: buffers in, values out.
///
/// Why each part:
/// - *Isotropic*: the centre box is compared with each of the 8 boxes around
///   it and the weakest difference counts, so a blob must stand out from
///   every side. An edge (bone cortex, a collimator border) or a ridge (a
///   rib) has one side level with it and scores ~0; the plain centre–ring
///   difference rewards both. A side less than half inside the foreground is
///   not compared: a lesion at the field edge must still be found (a patch
///   in a field corner may then score as a blob — extra fine tokens, never a
///   miss), and a side of a few stray pixels would be noise.
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
        let stride = 3 * (columns + 1)
        mask.withUnsafeBufferPointer { m in
            table.withTable { t in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: 48) { corner in
                    for radius in radii {
                        let r = max(1, Int(radius.rounded()))
                        let footprint = 2 * Double(r) + 1
                        let boxes = Boxes(r: r)
                        // Half-radius sampling: the best centre is within r/2·√2/2 of a sample.
                        let step = max(1, r / 2)
                        var y = step / 2
                        while y < rows {
                            // The 3×3 boxes share 16 corners: −2r, −r, r + 1, 2r + 1 from the centre.
                            let ys = SIMD4(y - 2 * r, y - r, y + r + 1, y + 2 * r + 1)
                                .clamped(lowerBound: .zero, upperBound: SIMD4(repeating: rows)) &* stride
                            var x = step / 2
                            while x < columns {
                                if m[y * columns + x] != 0 {
                                    let xs = SIMD4(x - 2 * r, x - r, x + r + 1, x + 2 * r + 1)
                                        .clamped(lowerBound: .zero, upperBound: SIMD4(repeating: columns)) &* 3
                                    for i in 0..<4 {
                                        for j in 0..<4 {
                                            let o = ys[i] + xs[j], c = 3 * (4 * i + j)
                                            corner[c] = t[o]; corner[c + 1] = t[o + 1]; corner[c + 2] = t[o + 2]
                                        }
                                    }
                                    if let cnr = boxes.cnr(corner.baseAddress!, polarity: polarity) {
                                        paint(Float(cnr / (cnr + 5)), x: x, y: y, reach: footprint, grid: grid, into: &best)
                                    }
                                }
                                x += step
                            }
                            y += step
                        }
                    }
                }
            }
        }
        return best
    }

    /// The 3×3 boxes around a sample for one radius, read from the 16 corner
    /// triples (value sum, squared sum, foreground count) of the summed-area table.
    struct Boxes {
        /// Half of each box's area, row-major over the 3×3 arrangement: a box
        /// (the centre or a side) counts only when at least this much of it is foreground.
        let halfArea: [Double]

        init(r: Int) {
            // Corner sides are r × r, edge sides (2r + 1) × r, the centre (2r + 1)².
            let extent = [Double(r), Double(2 * r + 1), Double(r)]
            halfArea = (0..<9).map { extent[$0 / 3] * extent[$0 % 3] / 2 }
        }

        /// Box (i, j) of the arrangement, h × w boxes large; k: 0 sum, 1 squares, 2 count.
        @inline(__always)
        func box(_ corner: UnsafeMutablePointer<Double>, _ k: Int, _ i: Int, _ j: Int, _ h: Int = 1, _ w: Int = 1) -> Double {
            corner[3 * (4 * (i + h) + j + w) + k] - corner[3 * (4 * i + j + w) + k]
                - corner[3 * (4 * (i + h) + j) + k] + corner[3 * (4 * i + j) + k]
        }

        /// Weakest centre-vs-side contrast over the ring's standard deviation;
        /// nil when the centre is mostly background or no side stands apart.
        @inline(__always)
        func cnr(_ corner: UnsafeMutablePointer<Double>, polarity: BlobPolarity) -> Double? {
            func box(_ k: Int, _ i: Int, _ j: Int, _ h: Int = 1, _ w: Int = 1) -> Double { self.box(corner, k, i, j, h, w) }
            let innerCount = box(2, 1, 1)
            guard innerCount >= halfArea[4] else { return nil }
            let innerMean = box(0, 1, 1) / innerCount
            var lowest = Double.infinity, highest = -Double.infinity
            for i in 0..<3 {
                for j in 0..<3 where i != 1 || j != 1 {
                    let n = box(2, i, j)
                    guard n >= halfArea[3 * i + j] else { continue }
                    let d = innerMean - box(0, i, j) / n
                    lowest = min(lowest, d); highest = max(highest, d)
                }
            }
            guard lowest.isFinite else { return nil }
            let contrast: Double
            switch polarity {
            case .bright: contrast = lowest
            case .dark: contrast = -highest
            case .both: contrast = max(lowest, -highest)
            }
            let ringCount = box(2, 0, 0, 3, 3) - innerCount
            guard contrast > 0, ringCount >= 1 else { return nil }
            let ringMean = (box(0, 0, 0, 3, 3) - box(0, 1, 1)) / ringCount
            let ringVar = max((box(1, 0, 0, 3, 3) - box(1, 1, 1)) / ringCount - ringMean * ringMean, 0)
            return contrast / (ringVar.squareRoot() + noiseFloor)
        }
    }

    /// Raises every cell whose rectangle meets the disc of radius `reach` around (x, y).
    @inline(__always)
    static func paint(_ value: Float, x: Int, y: Int, reach: Double, grid: CellGrid, into best: inout [Float]) {
        let cs = grid.cellSize, r = Int(reach), reach2 = reach * reach
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
