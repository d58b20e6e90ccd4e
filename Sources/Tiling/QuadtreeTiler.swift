import HeapModule
import Scoring

/// The tiler's decision for one image: leaves of the quadtree.
public struct Tiling: Sendable {
    public struct Leaf: Sendable, Equatable {
        public let x: Int, y: Int, w: Int, h: Int, level: Int
        /// Tail-pooled raw score of the leaf's cells.
        public let score: Float
    }
    public var tokens: [Leaf]
    public var dropped: [Leaf]
    public var budget: TokenMap.BudgetReport?
}

/// Mixed-resolution allocation over a quadtree from basePatch·2^maxLevel
/// down to basePatch. Pure and deterministic.
public enum QuadtreeTiler {
    /// Threshold mode: split where the pooled score passes the level's
    /// threshold. Budget mode (`budget` set): greedy split of the highest
    /// scoring tile until the token count reaches the budget, after a safety
    /// floor has made every safety-level cell finest.
    ///
    /// Cells the certificate could not prove homogeneous (and their
    /// neighbours) end in finest tokens like safety cells, in both modes;
    /// `conservative` makes every foreground cell finest (only background
    /// is dropped).
    public static func tile(_ scored: ScoredImage, profile: Profile, budget: Int? = nil, conservative: Bool = false) -> Tiling {
        var fine = uncertifiedCells(scored, dilation: profile.certificateSettings.dilationCells)
        // Conservative: every foreground cell too (the certificate's reach
        // into a radiograph's background stays).
        if conservative { for (c, f) in scored.features.foreground.enumerated() where f > 0 { fine[c] = 1 } }
        return tile(grid: scored.grid, scores: scored.scores, foreground: scored.features.foreground, profile: profile,
                    budget: budget, mustBeFine: fine)
    }

    /// The same from bare cell scores (calibration re-tiles without planes);
    /// `mustBeFine` (1 per cell) joins the safety cells.
    public static func tile(grid: CellGrid, scores: [Float], foreground: [Float], profile: Profile, budget: Int? = nil,
                            mustBeFine: [Float]? = nil) -> Tiling {
        let context = Context(grid: grid, scores: scores, foreground: foreground, profile: profile, mustBeFine: mustBeFine)
        return budget.map { context.budgetTiling($0) } ?? context.thresholdTiling()
    }

    /// 1 for every cell within `dilation` cells of an uncertified
    /// foreground cell. CT keeps its background (air below −500 HU holds no
    /// lesion); a radiograph's or photograph's mask is a heuristic (flat or
    /// dark cells at the border), so there the dilation reaches into it: a
    /// lesion at the field edge continues where the mask stopped. It stops
    /// at background cells with nothing visible in them (flat: saturated
    /// direct exposure, a zeroed film border).
    public static func uncertifiedCells(_ scored: ScoredImage, dilation: Int) -> [Float] {
        let fg = scored.features.foreground
        let d = zip(scored.certificate.detectability, fg).map { $0 >= 1 && $1 > 0 ? Float(1) : 0 }
        var out = Context.safetyCells(scores: d, grid: scored.grid, threshold: 1, dilation: dilation)
        for c in 0..<out.count where fg[c] == 0 && (scored.domain == .ct || scored.certificate.flat(c)) { out[c] = 0 }
        return out
    }

    struct Context {
        let grid: CellGrid
        let profile: Profile
        let scores: [Float]
        let maxLevel: Int
        /// Any foreground cell in the tile (1) or none (0).
        let foreground: LevelPyramid
        /// Max over the tile of the split score (score, or 1 for safety cells).
        let splitScore: LevelPyramid
        let safety: LevelPyramid

        init(grid: CellGrid, scores: [Float], foreground cellForeground: [Float], profile: Profile, mustBeFine: [Float]? = nil) {
            self.grid = grid
            self.profile = profile
            self.scores = scores
            maxLevel = profile.maxLevel
            var fg = cellForeground.map { $0 > 0 ? Float(1) : 0 }
            var forced = Self.safetyCells(scores: scores, grid: grid, threshold: Float(profile.safetyThreshold),
                                          dilation: profile.safetyDilationCells)
            // A must-be-fine cell is never dropped either: the dilation of an
            // uncertified cell reaches into what the mask called background,
            // where a lesion at the field or body edge continues.
            if let mustBeFine { for c in 0..<forced.count where mustBeFine[c] > 0 { forced[c] = 1; fg[c] = 1 } }
            foreground = LevelPyramid(grid: grid, base: fg, maxLevel: maxLevel, combine: max)
            safety = LevelPyramid(grid: grid, base: forced, maxLevel: maxLevel, combine: max)
            splitScore = LevelPyramid(grid: grid, base: zip(scores, forced).map { max($0, $1) },
                                      maxLevel: maxLevel, combine: max)
        }

        /// Cells at or above the safety threshold, dilated by `dilation` cells.
        static func safetyCells(scores: [Float], grid: CellGrid, threshold: Float, dilation: Int) -> [Float] {
            var out = [Float](repeating: 0, count: grid.count)
            for c in 0..<grid.count where scores[c] >= threshold {
                let cy = c / grid.columns, cx = c % grid.columns
                for y in max(0, cy - dilation)...min(grid.rows - 1, cy + dilation) {
                    for x in max(0, cx - dilation)...min(grid.columns - 1, cx + dilation) { out[y * grid.columns + x] = 1 }
                }
            }
            return out
        }

        var roots: [TileRegion] {
            let step = 1 << maxLevel
            return stride(from: 0, to: grid.rows, by: step).flatMap { y in
                stride(from: 0, to: grid.columns, by: step).map { x in TileRegion(level: maxLevel, cellX: x, cellY: y) }
            }
        }

        func pooledScore(_ t: TileRegion) -> Float {
            switch profile.pooling {
            case .max: return rawMax(t)
            case .quantile(let q):
                var values: [Float] = []
                let side = 1 << t.level
                for y in t.cellY..<min(t.cellY + side, grid.rows) {
                    for x in t.cellX..<min(t.cellX + side, grid.columns) { values.append(scores[y * grid.columns + x]) }
                }
                values.sort()
                return values[min(values.count - 1, Int((Double(values.count - 1) * q).rounded(.up)))]
            }
        }

        private func rawMax(_ t: TileRegion) -> Float {
            var best: Float = 0
            let side = 1 << t.level
            for y in t.cellY..<min(t.cellY + side, grid.rows) {
                for x in t.cellX..<min(t.cellX + side, grid.columns) { best = max(best, scores[y * grid.columns + x]) }
            }
            return best
        }

        func leaf(_ t: TileRegion) -> Tiling.Leaf {
            let r = t.pixelRect(grid)
            return Tiling.Leaf(x: r.x, y: r.y, w: r.w, h: r.h, level: t.level, score: pooledScore(t))
        }

        /// Split decision for threshold mode: the tail statistic (or a safety
        /// cell) against the level's threshold.
        func shouldSplit(_ t: TileRegion) -> Bool {
            guard t.level > 0 else { return false }
            if safety.value(t) > 0 { return true }
            let s: Float
            switch profile.pooling {
            case .max: s = splitScore.value(t)
            case .quantile: s = pooledScore(t)
            }
            return Double(s) > profile.thresholds[t.level - 1]
        }

        func thresholdTiling() -> Tiling {
            var result = Tiling(tokens: [], dropped: [], budget: nil)
            func visit(_ t: TileRegion) {
                if foreground.value(t) == 0 { result.dropped.append(leaf(t)); return }
                if shouldSplit(t) { t.children(grid).forEach(visit) } else { result.tokens.append(leaf(t)) }
            }
            roots.forEach(visit)
            return result
        }

        func budgetTiling(_ budget: Int) -> Tiling {
            var split = Set<TileRegion>()
            var leaves: [TileRegion] = []
            // Safety floor first: every safety cell ends in a finest token.
            func floor(_ t: TileRegion) {
                if foreground.value(t) == 0 { return }
                if t.level > 0 && safety.value(t) > 0 {
                    split.insert(t)
                    t.children(grid).forEach(floor)
                } else {
                    leaves.append(t)
                }
            }
            roots.forEach(floor)
            let floorCount = leaves.count

            struct Candidate: Comparable {
                let score: Float, tile: TileRegion
                static func < (a: Candidate, b: Candidate) -> Bool {
                    if a.score != b.score { return a.score < b.score }
                    if a.tile.level != b.tile.level { return a.tile.level < b.tile.level }
                    return (a.tile.cellY, a.tile.cellX) > (b.tile.cellY, b.tile.cellX)
                }
            }
            var heap = Heap(leaves.filter { $0.level > 0 }.map { Candidate(score: pooledScore($0), tile: $0) })
            var count = leaves.count
            var anySkipped = false
            // Greedy: split the highest-scoring tile whose split still fits.
            while count < budget, let best = heap.popMax() {
                let kept = best.tile.children(grid).filter { foreground.value($0) > 0 }
                guard count + kept.count - 1 <= budget else { anySkipped = true; continue }
                split.insert(best.tile)
                count += kept.count - 1
                for c in kept where c.level > 0 { heap.insert(Candidate(score: pooledScore(c), tile: c)) }
            }
            var result = Tiling(tokens: [], dropped: [], budget: nil)
            func collect(_ t: TileRegion) {
                if foreground.value(t) == 0 { result.dropped.append(leaf(t)); return }
                if split.contains(t) { t.children(grid).forEach(collect) } else { result.tokens.append(leaf(t)) }
            }
            roots.forEach(collect)

            let n = result.tokens.count
            var note: String?
            if floorCount > budget {
                note = "the safety floor needs \(floorCount) tokens, over the budget of \(budget)"
            } else if n < budget {
                note = anySkipped ? "no split fits the remaining \(budget - n) token(s); splits add up to 3 tokens each"
                                  : "every foreground cell is already a finest token"
            }
            result.budget = TokenMap.BudgetReport(requested: budget, tokens: n, exact: n == budget, note: note)
            return result
        }
    }
}
