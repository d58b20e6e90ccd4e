/// Two-sample distances and histograms for the distribution-shift section.
public enum Distribution {
    /// Kolmogorov–Smirnov statistic: the largest gap between the two
    /// empirical CDFs (0 = same, 1 = disjoint).
    public static func ks(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, d = 0.0
        while i < x.count && j < y.count {
            let v = min(x[i], y[j])
            while i < x.count && x[i] <= v { i += 1 }
            while j < y.count && y[j] <= v { j += 1 }
            d = max(d, abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)))
        }
        return d
    }

    /// Wasserstein-1 (earth mover's) distance: ∫ |F_a − F_b| dx, in the
    /// feature's own unit.
    public static func wasserstein(_ a: [Double], _ b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        let x = a.sorted(), y = b.sorted()
        var i = 0, j = 0, last = min(x[0], y[0]), total = 0.0
        while i < x.count || j < y.count {
            let v = j >= y.count || (i < x.count && x[i] <= y[j]) ? x[i] : y[j]
            total += abs(Double(i) / Double(x.count) - Double(j) / Double(y.count)) * (v - last)
            last = v
            while i < x.count && x[i] <= v { i += 1 }
            while j < y.count && y[j] <= v { j += 1 }
        }
        return total
    }

    /// Shares per bin over [low, high] (values outside go to the end bins).
    public static func histogram(_ values: [Double], low: Double, high: Double, bins: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: bins)
        guard !values.isEmpty else { return counts }
        let width = (high - low) / Double(bins)
        for v in values {
            let b = width > 0 ? Int(((v - low) / width).rounded(.down)) : 0
            counts[min(max(b, 0), bins - 1)] += 1
        }
        return counts.map { $0 / Double(values.count) }
    }

    /// At most `limit` values, evenly strided (deterministic).
    public static func thin(_ values: [Double], limit: Int) -> [Double] {
        guard values.count > limit else { return values }
        let step = Double(values.count) / Double(limit)
        return (0..<limit).map { values[Int(Double($0) * step)] }
    }
}
