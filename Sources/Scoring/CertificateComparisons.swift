/// The centre–surround comparisons of one radius over a plane: the centre
/// box (side 2r+1, centred on the sample) against its ring (out to side
/// 4r+3) or, isotropic, against each of its 8 neighbouring boxes at least
/// half in the foreground. Samples every r+1 px (ring: boxes overlap by r
/// px, so a blob of diameter ≤ r+1 lies wholly in one) or every r/2 px
/// (isotropic: the 3×3 arrangement must sit on a lesion's centre).
struct Comparisons {
    let r: Int
    let isotropic: Bool
    let boxes: BoxSums
    let mask: UnsafeBufferPointer<UInt8>

    var step: Int { isotropic ? max(1, r / 2) : r + 1 }

    /// Calls `body(x, y, centreMean, centreCount, means, counts, usable)`
    /// for every foreground sample on the grid of `step` whose centre box is
    /// at least half foreground and which has boxes to compare with; the
    /// buffers hold one entry (ring) or 8 (neighbours, count 0 = not
    /// compared). `skip(x, y)` is asked first and saves the box sums.
    @inline(__always)
    func forEachSample(step: Int, skip: (Int, Int) -> Bool,
                       _ body: (Int, Int, Double, Double, UnsafeMutableBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Void) {
        let rows = boxes.rows, columns = boxes.columns
        let side = 2 * r + 1, halfArea = Double(side * side) / 2
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 8) { means in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 8) { counts in
            var sy = step / 2
            while sy < rows {
                var sx = step / 2
                while sx < columns {
                    defer { sx &+= step }
                    guard mask[sy &* columns &+ sx] != 0, !skip(sx, sy) else { continue }
                    let y0 = sy - r, x0 = sx - r
                    let c = boxes.box(y0, y0 + side, x0, x0 + side)
                    guard c.count >= halfArea else { continue }
                    if isotropic {
                        var usable = 0, k = 0
                        for i in -1...1 {
                            for j in -1...1 where i != 0 || j != 0 {
                                let by = y0 + i * side, bx = x0 + j * side
                                let b = boxes.box(by, by + side, bx, bx + side)
                                let ok = b.count >= halfArea
                                usable &+= ok ? 1 : 0
                                means[k] = ok ? b.sum / b.count : 0
                                counts[k] = ok ? b.count : 0
                                k &+= 1
                            }
                        }
                        // Three sides at least (a lesion at the field edge has 3 to 5).
                        guard usable >= 3 else { continue }
                        body(sx, sy, c.sum / c.count, c.count, means, counts)
                    } else {
                        let o = boxes.box(sy - 2 * r - 1, sy + 2 * r + 2, sx - 2 * r - 1, sx + 2 * r + 2)
                        let ringCount = o.count - c.count
                        guard ringCount >= 1 else { continue }
                        means[0] = (o.sum - c.sum) / ringCount
                        counts[0] = ringCount
                        body(sx, sy, c.sum / c.count, c.count, UnsafeMutableBufferPointer(rebasing: means[0..<1]),
                             UnsafeMutableBufferPointer(rebasing: counts[0..<1]))
                    }
                }
                sy &+= step
            }
        }}
    }

    /// σ of the differences from a low quantile: the 20th percentile of
    /// |difference| is 0.2533 σ for Gaussian differences. Low because
    /// anatomy (organ borders, vessels) fills the upper half in a busy
    /// slice; it needs only a fifth of the comparisons to be plain tissue.
    /// From samples on a coarser grid (about 1,500 of them), spread evenly.
    func robustSpread() -> Double {
        let samples = (boxes.rows / step + 1) * (boxes.columns / step + 1)
        let thin = step * max(1, Int((Double(samples) / 1500).squareRoot()))
        var d: [Float] = []
        d.reserveCapacity(8 * 1600)
        forEachSample(step: thin, skip: { _, _ in false }) { _, _, mc, _, means, counts in
            for j in 0..<means.count where counts[j] > 0 { d.append(Float(abs(mc - means[j]))) }
        }
        return d.isEmpty ? 0 : Double(NoiseEstimate.select(&d, rank: d.count / 5)) / 0.2533
    }

    /// Calls `body(x, y, strength)` for every sample whose strength is
    /// positive: each compared box's difference as a multiple of the
    /// threshold (min of real — |Δ| / (z·noise of Δ) — and visible —
    /// |Δ| / visible contrast), 0 below half the real threshold. A ring
    /// sample has one; an isotropic sample takes the 5th strongest of the
    /// sides it stands apart from in one direction (all, when fewer than 5
    /// sides are usable). Samples for which `skip` says so are not examined.
    func forEachDetection(noise: NoiseEstimate, empirical spread: () -> Double, z: Double, visible: VisibleContrast,
                          skip: (Int, Int) -> Bool, _ body: (Int, Int, Double) -> Void) {
        var empirical = -1.0, floorDifference = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 16) { buffer in
            forEachSample(step: step, skip: skip) { sx, sy, mc, nc, means, counts in
                if empirical < 0 {
                    empirical = spread()
                    // Below this |Δ| no comparison can reach half the threshold
                    // (its noise is at least the empirical spread): no square root needed.
                    floorDifference = 0.5 * z * empirical
                }
                let sigma = noise.sigma(x: sx, y: sy), inverseCentre = 1 / nc
                var above = 0, below = 0, usable = 0
                for j in 0..<means.count {
                    let n = counts[j]
                    guard n > 0 else { continue }
                    usable &+= 1
                    let mn = means[j], d = abs(mc - mn)
                    var s = 0.0
                    if d >= floorDifference {
                        let white = sigma * (inverseCentre + 1 / n).squareRoot()
                        let real = d / (z * max(white, empirical))
                        if real >= 0.5 { s = min(real, d / visible.minimum(mc, mn)) }
                    }
                    // Above-centre differences fill the buffer from the front, below from the back.
                    if mc > mn { buffer[above] = s; above &+= 1 } else { buffer[15 &- below] = s; below &+= 1 }
                }
                let needed = min(5, usable)
                var strength = 0.0
                if above >= needed { strength = max(strength, Self.largest(buffer, from: 0, count: above, rank: needed)) }
                if below >= needed { strength = max(strength, Self.largest(buffer, from: 16 - below, count: below, rank: needed)) }
                if strength > 0 { body(sx, sy, strength) }
            }
        }
    }

    /// The rank-th largest (1-based) of `count` values from `from` (sorted in place).
    @inline(__always)
    static func largest(_ b: UnsafeMutableBufferPointer<Double>, from: Int, count: Int, rank: Int) -> Double {
        if count == 1 { return b[from] }
        // Insertion sort, descending: at most 8 values.
        for i in (from + 1)..<(from + count) {
            let v = b[i]
            var j = i - 1
            while j >= from && b[j] < v { b[j + 1] = b[j]; j -= 1 }
            b[j + 1] = v
        }
        return b[from + rank - 1]
    }
}
