import Foundation

/// The fail-safe criterion: which cells the scorer can *prove* hold no
/// lesion-like difference, and so may sit inside a token coarser than
/// basePatch. Everything it cannot certify stays fine. Pure: buffers in,
/// values out; it knows no anatomy, only noise, windows and radii.
///
/// A cell is uncertified when some centre–surround difference whose
/// footprint reaches it is both
/// - *real*: |Δ| ≥ z·σ_Δ, where σ_Δ is the noise of the difference of two box
///   means as the image itself shows it: the larger of σ·√(1/n_centre +
///   1/n_ring) from the pixel noise σ (white noise) and the robust spread of
///   all differences at that radius (correlated noise, texture) — Rose's
///   criterion: a statistic, not a fixed range — and
/// - *visible*: |Δ| ≥ f × the width of the narrowest reading window that
///   holds either side (brain 40/80 makes 4 HU visible; lung −600/1500 needs
///   75 HU), so anatomy no window shows apart is not kept for it.
///
/// Both polarities count (|Δ|). Radii run from the smallest lesion of
/// interest (1.5 mm) to 15 mm, and never past half the largest token. Small radii use the plain
/// centre-vs-ring difference (any edge, texture or speck fails the
/// certificate); from `isotropicFromPx` on, the centre must differ in the
/// same direction from at least 5 of its 8 neighbouring boxes (fewer when
/// the field ends), so a large homogeneous lesion is found, even against an
/// organ border, while a straight organ border at 30 mm scale is not a lesion.
/// A detection marks its whole footprint, so a large lesion's interior is as
/// uncertified as its rim.
public enum HomogeneityCertificate {
    public struct Result: Sendable {
        /// Per cell: the strongest detection reaching it, as a multiple of
        /// the threshold (≥ 1: not certified homogeneous). Above 1 it is a
        /// lower bound: once a footprint is wholly uncertified its further
        /// samples are not examined.
        public let detectability: [Float]
        /// Robust pixel noise of the plane (its own unit).
        public let noiseSigma: Double
        /// Per cell: background with no signal in it (`FlatBackground`);
        /// empty when not asked for (CT: its background is air by HU).
        public let flatBackground: [Bool]

        public func flat(_ cell: Int) -> Bool { !flatBackground.isEmpty && flatBackground[cell] }

        public func uncertified(_ cell: Int) -> Bool { detectability[cell] >= 1 }
    }

    public struct Parameters: Sendable {
        public var radiiPx: [Int]
        public var isotropicFromPx: Int
        /// Reading windows in the plane's unit.
        public var windows: [ClosedRange<Double>]
        public var contrastFraction: Double
        public var zThreshold: Double
        /// Find the blank background cells (`Result.flatBackground`).
        public var findFlatBackground: Bool

        public init(radiiPx: [Int], isotropicFromPx: Int, windows: [ClosedRange<Double>], contrastFraction: Double, zThreshold: Double,
                    findFlatBackground: Bool = true) {
            self.radiiPx = radiiPx; self.isotropicFromPx = isotropicFromPx; self.windows = windows
            self.contrastFraction = contrastFraction; self.zThreshold = zThreshold; self.findFlatBackground = findFlatBackground
        }
    }

    /// `values` in the plane's own unit (HU, raw detector values), unclipped;
    /// `cellForeground` the foreground fraction of each cell of `grid`
    /// (the scorer's features have it already).
    public static func compute(values: [Float], mask: [UInt8], rows: Int, columns: Int, grid: CellGrid,
                               cellForeground: [Float], parameters p: Parameters) -> Result {
        let widest = p.windows.map { $0.upperBound - $0.lowerBound }.max() ?? 1
        let noise = NoiseEstimate(values: values, mask: mask, rows: rows, columns: columns, grid: grid, floor: 1e-4 * widest)
        var best = [Float](repeating: 0, count: grid.count)
        let visible = VisibleContrast(windows: p.windows, fraction: p.contrastFraction)
        let flat = p.findFlatBackground
            ? FlatBackground.cells(values: values, columns: columns, grid: grid, cellForeground: cellForeground, noiseSigma: noise.global)
            : []
        guard noise.global > 0 else { return Result(detectability: best, noiseSigma: 0, flatBackground: flat) }
        let table = MaskedSummedAreaTable(values: values, mask: mask, rows: rows, columns: columns, squares: false)
        table.withTable { t in
        mask.withUnsafeBufferPointer { m in
            let boxes = BoxSums(table: t, rows: rows, columns: columns)
            // Cells holding foreground: once all of them are uncertified no
            // further radius can change anything that matters.
            let foregroundCells = cellForeground.indices.filter { cellForeground[$0] > 0 }
            for r in p.radiiPx {
                if foregroundCells.allSatisfy({ best[$0] >= 1 }) { break }
                let isotropic = r >= p.isotropicFromPx
                let comparisons = Comparisons(r: r, isotropic: isotropic, boxes: boxes, mask: m)
                // The noise of a difference of box means at this radius, as
                // the image shows it: correlated (reconstruction-kernel) noise
                // and texture make it larger than white noise predicts, so the
                // robust spread of all differences bounds it from below.
                // Worked out when a first sample needs it (in a busy CT slice
                // the larger radii often find every footprint uncertified).
                // The footprint: a ring test marks its centre box (+1 px);
                // an isotropic box matches a lesion of radius ≈ r, whose rim
                // and spicules reach 2r.
                let reach = isotropic ? 2 * r + 1 : r + 1
                // A sample whose whole footprint was already uncertified when
                // the radius began can change nothing that matters (only
                // values ≥ 1 do): skipped, by an O(1) count of certified cells.
                let certified = CellCounts(grid: grid) { best[$0] < 1 }
                comparisons.forEachDetection(noise: noise, empirical: { comparisons.robustSpread() }, z: p.zThreshold, visible: visible,
                                             skip: { x, y in certified.none(x0: x - reach, x1: x + reach, y0: y - reach,
                                                                            y1: y + reach) }) { x, y, s in
                    paint(Float(s), x0: x - reach, x1: x + reach, y0: y - reach, y1: y + reach, grid: grid, into: &best)
                }
            }
        }}
        return Result(detectability: best, noiseSigma: noise.global, flatBackground: flat)
    }

    /// Raises every cell meeting the pixel rectangle [x0, x1] × [y0, y1].
    @inline(__always)
    static func paint(_ value: Float, x0: Int, x1: Int, y0: Int, y1: Int, grid: CellGrid, into best: inout [Float]) {
        let cs = grid.cellSize
        let cy0 = max(0, y0 / cs), cy1 = min(grid.rows - 1, max(0, y1) / cs)
        let cx0 = max(0, x0 / cs), cx1 = min(grid.columns - 1, max(0, x1) / cs)
        guard cy0 <= cy1, cx0 <= cx1 else { return }
        for cy in cy0...cy1 {
            for cx in cx0...cx1 {
                let c = cy * grid.columns + cx
                if value > best[c] { best[c] = value }
            }
        }
    }
}

/// A summed-area table of a per-cell condition: how many cells meeting a
/// pixel rectangle satisfy it, in four lookups.
struct CellCounts {
    let grid: CellGrid
    /// (rows+1) × (columns+1) running counts, zero first row and column.
    private let table: [Int32]

    init(grid: CellGrid, _ condition: (Int) -> Bool) {
        self.grid = grid
        let stride = grid.columns + 1
        var t = [Int32](repeating: 0, count: (grid.rows + 1) * stride)
        for cy in 0..<grid.rows {
            var row: Int32 = 0
            for cx in 0..<grid.columns {
                row += condition(cy * grid.columns + cx) ? 1 : 0
                t[(cy + 1) * stride + cx + 1] = t[cy * stride + cx + 1] + row
            }
        }
        table = t
    }

    /// Whether no cell meeting the pixel rectangle [x0, x1] × [y0, y1] satisfies the condition.
    @inline(__always) func none(x0: Int, x1: Int, y0: Int, y1: Int) -> Bool {
        let cs = grid.cellSize
        let cy0 = max(0, y0 / cs), cy1 = min(grid.rows - 1, max(0, y1) / cs)
        let cx0 = max(0, x0 / cs), cx1 = min(grid.columns - 1, max(0, x1) / cs)
        guard cy0 <= cy1, cx0 <= cx1 else { return true }
        let stride = grid.columns + 1
        return table[(cy1 + 1) * stride + cx1 + 1] - table[cy0 * stride + cx1 + 1]
            - table[(cy1 + 1) * stride + cx0] + table[cy0 * stride + cx0] == 0
    }
}

/// Box sums and foreground counts from a two-channel summed-area table.
struct BoxSums {
    let table: UnsafeBufferPointer<Double>
    let rows: Int
    let columns: Int

    /// (sum, count) over rows y0..<y1 and columns x0..<x1, clamped to the plane.
    @inline(__always) func box(_ y0: Int, _ y1: Int, _ x0: Int, _ x1: Int) -> (sum: Double, count: Double) {
        let s = 2 * (columns + 1)
        let top = max(0, min(y0, rows)) &* s, bottom = max(0, min(y1, rows)) &* s
        let left = 2 &* max(0, min(x0, columns)), right = 2 &* max(0, min(x1, columns))
        let t = table
        let sum = t[bottom &+ right] - t[top &+ right] - t[bottom &+ left] + t[top &+ left]
        let count = t[bottom &+ right &+ 1] - t[top &+ right &+ 1] - t[bottom &+ left &+ 1] + t[top &+ left &+ 1]
        return (sum, count)
    }
}

/// The smallest contrast a reader sees at a given intensity: a fraction of
/// the narrowest window holding it (the widest window when none does).
struct VisibleContrast {
    /// (low, high, fraction × width), narrowest first.
    let windows: [(Double, Double, Double)]
    let fallback: Double

    init(windows: [ClosedRange<Double>], fraction: Double) {
        self.windows = windows.map { ($0.lowerBound, $0.upperBound, fraction * ($0.upperBound - $0.lowerBound)) }
            .sorted { $0.2 < $1.2 }
        fallback = self.windows.last?.2 ?? fraction
    }

    /// For a difference between means a and b: the narrowest window holding either.
    @inline(__always) func minimum(_ a: Double, _ b: Double) -> Double {
        for w in windows where (a >= w.0 && a <= w.1) || (b >= w.0 && b <= w.1) { return w.2 }
        return fallback
    }
}
