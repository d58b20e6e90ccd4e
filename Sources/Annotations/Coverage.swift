import Scoring
import Tiling

/// The contract's coverage rule: an ROI is resolved when every one of its
/// pixels lies in an emitted token no larger than basePatch on either side.
public struct CoverageResult: Sendable, Equatable, Codable {
    public var id: String
    public var label: String?
    public var area: Int
    /// Share of ROI pixels in finest tokens.
    public var fineFraction: Double
    /// Share of ROI pixels in dropped regions.
    public var droppedFraction: Double
    public var resolved: Bool
}

public enum Coverage {
    /// Per ROI: whether every pixel lies in a foreground cell of the scorer's
    /// mask, i.e. whether the background-only baseline (drop background, keep
    /// every other cell at basePatch) would resolve it.
    public static func baselineResolved(_ scored: ScoredImage, rois: [ROI]) -> [Bool] {
        let grid = scored.grid, foreground = scored.features.foreground
        let rows = grid.imageRows, cols = grid.imageColumns
        return rois.map { roi in
            let pixels = roi.pixels(rows: rows, columns: cols)
            return !pixels.isEmpty && pixels.allSatisfy { p in
                foreground[(p / cols / grid.cellSize) * grid.columns + (p % cols) / grid.cellSize] > 0
            }
        }
    }

    public static func evaluate(_ map: TokenMap, rois: [ROI]) -> [CoverageResult] {
        guard !rois.isEmpty else { return [] }
        let rows = map.image.rows, cols = map.image.columns
        let kind = map.coverageMask(finest: 2, coarser: 1, dropped: 0)
        return rois.map { roi in
            let pixels = roi.pixels(rows: rows, columns: cols)
            var fine = 0, dropped = 0
            for p in pixels {
                if kind[p] == 2 { fine += 1 } else if kind[p] == 0 { dropped += 1 }
            }
            let area = pixels.count
            return CoverageResult(id: roi.id, label: roi.label, area: area,
                                  fineFraction: area > 0 ? Double(fine) / Double(area) : 0,
                                  droppedFraction: area > 0 ? Double(dropped) / Double(area) : 0,
                                  resolved: area > 0 && fine == area)
        }
    }
}
