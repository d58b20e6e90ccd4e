import Annotations
import Foundation
import Scoring

/// A case reduced to what calibration needs: cell features, and for every
/// ROI the cells it touches.
public struct CalibrationCase: Sendable {
    public var id: String
    public var grid: CellGrid
    public var features: CellFeatures
    public var roiCells: [[Int]]
    public var roiIDs: [String]

    public init(_ c: PreparedCase, profile: Profile, cellSize: Int = 16) {
        id = c.id
        let e = DensityScorer.extract(c.plane, domain: c.domain, profile: profile, cellSize: cellSize, features: .withBlobCNR)
        features = e.features
        grid = CellGrid(imageRows: c.plane.rows, imageColumns: c.plane.columns, cellSize: cellSize)
        let g = grid
        roiCells = c.rois.map { roi in
            Array(Set(roi.pixels(rows: c.plane.rows, columns: c.plane.columns).map { p in
                (p / c.plane.columns / cellSize) * g.columns + (p % c.plane.columns) / cellSize
            })).sorted()
        }
        roiIDs = c.rois.map(\.id)
    }

    /// For each ROI, the highest safety threshold at which it is still
    /// resolved: every ROI cell's 2×2 parent block must hold (within the
    /// dilation) a cell scoring at least the threshold. −∞ when an ROI cell is
    /// background (it is dropped whatever the threshold).
    /// `scores` may be on any monotone scale (calibration uses logits).
    public func criticalThresholds(scores: [Double], dilation: Int) -> [Double] {
        roiCells.map { cells in
            var critical = Double.infinity
            for c in cells {
                guard features.foreground[c] > 0 else { return -.infinity }
                let cx = c % grid.columns, cy = c / grid.columns
                let bx = cx & ~1, by = cy & ~1
                var best = -Double.infinity
                for y in max(0, by - dilation)...min(grid.rows - 1, by + 1 + dilation) {
                    for x in max(0, bx - dilation)...min(grid.columns - 1, bx + 1 + dilation) {
                        best = max(best, scores[y * grid.columns + x])
                    }
                }
                critical = min(critical, best)
            }
            return critical
        }
    }
}

/// Conformal risk control (Angelopoulos et al., 2022) of the skipped-ROI
/// fraction: with n exchangeable calibration cases and a loss bounded by 1,
/// choosing the largest threshold τ with (n/(n+1))·R̂(τ) + 1/(n+1) ≤ α gives
/// E[skipped fraction on a new case] ≤ α.
public enum ConformalRiskControl {
    public struct Result: Sendable, Codable, Equatable {
        public var alpha: Double
        public var calibrationCases: Int
        /// The chosen safety threshold (logit scale), or nil when even
        /// resolving every calibration ROI cannot meet α (α < 1/(n+1)).
        public var threshold: Double?
        /// Mean skipped-ROI fraction on the calibration cases at the threshold.
        public var empiricalRisk: Double
        public var bound: String
    }

    /// `critical[i]` holds case i's per-ROI critical thresholds (cases without ROIs are skipped).
    public static func calibrate(critical: [[Double]], alpha: Double) -> Result {
        let cases = critical.filter { !$0.isEmpty }
        let n = Double(cases.count)
        func risk(_ tau: Double) -> Double {
            cases.reduce(0) { acc, c in acc + Double(c.filter { $0 < tau }.count) / Double(c.count) } / max(n, 1)
        }
        let candidates = Set(cases.flatMap { $0 }.filter { $0.isFinite }).sorted(by: >)
        var chosen: Double?
        for tau in candidates where n / (n + 1) * risk(tau) + 1 / (n + 1) <= alpha {
            chosen = tau
            break
        }
        let bound = "E[skipped-ROI fraction of a new exchangeable case] ≤ α = \(alpha), from n = \(Int(n)) calibration cases "
            + "(conformal risk control, loss bounded by 1; needs α ≥ 1/(n+1) = \(String(format: "%.4f", 1 / (n + 1))))"
        return Result(alpha: alpha, calibrationCases: Int(n), threshold: chosen, empiricalRisk: chosen.map(risk) ?? risk(0), bound: bound)
    }
}
