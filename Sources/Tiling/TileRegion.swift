import Scoring

/// A quadtree node: level k covers 2^k × 2^k cells from (cellX, cellY).
struct TileRegion: Hashable, Sendable {
    let level: Int
    let cellX: Int
    let cellY: Int

    func pixelRect(_ grid: CellGrid) -> (x: Int, y: Int, w: Int, h: Int) {
        let side = grid.cellSize << level
        let x = cellX * grid.cellSize, y = cellY * grid.cellSize
        return (x, y, min(side, grid.imageColumns - x), min(side, grid.imageRows - y))
    }

    /// Children inside the image, in raster order (TL, TR, BL, BR).
    func children(_ grid: CellGrid) -> [TileRegion] {
        guard level > 0 else { return [] }
        let half = 1 << (level - 1)
        var out: [TileRegion] = []
        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let x = cellX + dx * half, y = cellY + dy * half
            if x < grid.columns && y < grid.rows { out.append(TileRegion(level: level - 1, cellX: x, cellY: y)) }
        }
        return out
    }
}

/// Per-level maxima over the cell grid, so a tile's pooled statistics cost O(1).
struct LevelPyramid {
    let grid: CellGrid
    /// levels[k][ty * cols_k + tx]
    private(set) var levels: [[Float]]
    private(set) var columnsPerLevel: [Int]

    init(grid: CellGrid, base: [Float], maxLevel: Int, combine: (Float, Float) -> Float) {
        self.grid = grid
        var levels = [base]
        var cols = [grid.columns]
        var rows = grid.rows
        for _ in 0..<maxLevel {
            let prev = levels.last!, pc = cols.last!, pr = rows
            let nc = (pc + 1) / 2, nr = (pr + 1) / 2
            var next = [Float](repeating: 0, count: nc * nr)
            for y in 0..<pr {
                for x in 0..<pc {
                    let j = (y / 2) * nc + x / 2
                    next[j] = combine(next[j], prev[y * pc + x])
                }
            }
            levels.append(next)
            cols.append(nc)
            rows = nr
        }
        self.levels = levels
        columnsPerLevel = cols
    }

    func value(_ t: TileRegion) -> Float {
        levels[t.level][(t.cellY >> t.level) * columnsPerLevel[t.level] + (t.cellX >> t.level)]
    }
}
