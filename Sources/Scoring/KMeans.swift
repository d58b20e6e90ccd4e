import TesseraSupport
/// Deterministic k-means (k-means++ seeding from a fixed seed, then Lloyd
/// iterations): the same points always give the same codebook.
public enum KMeans {
    public static func fit(_ points: [[Double]], k: Int, iterations: Int = 50, seed: UInt64 = 0x7E55E7A) -> [[Double]] {
        guard !points.isEmpty, k > 0 else { return [] }
        var rng = SplitMix64(seed: seed)
        var centroids = [points[Int(rng.next() % UInt64(points.count))]]
        var nearest = points.map { distance($0, centroids[0]) }
        while centroids.count < min(k, points.count) {
            let total = nearest.reduce(0, +)
            guard total > 0 else { break }
            var target = Double(rng.next() >> 11) / Double(1 << 53) * total
            var chosen = points.count - 1
            for (i, d) in nearest.enumerated() {
                target -= d
                if target <= 0 { chosen = i; break }
            }
            centroids.append(points[chosen])
            for i in points.indices { nearest[i] = min(nearest[i], distance(points[i], points[chosen])) }
        }
        var assignment = [Int](repeating: -1, count: points.count)
        for _ in 0..<iterations {
            var changed = false
            for (i, p) in points.enumerated() {
                let a = assign(p, centroids)
                if a != assignment[i] { assignment[i] = a; changed = true }
            }
            if !changed { break }
            var sums = centroids.map { [Double](repeating: 0, count: $0.count) }
            var counts = [Int](repeating: 0, count: centroids.count)
            for (i, p) in points.enumerated() {
                counts[assignment[i]] += 1
                for d in p.indices { sums[assignment[i]][d] += p[d] }
            }
            for c in centroids.indices where counts[c] > 0 { centroids[c] = sums[c].map { $0 / Double(counts[c]) } }
        }
        // Order codes by first component (mean intensity) so code numbers read dark → bright.
        return centroids.sorted { $0.lexicographicallyPrecedes($1) }
    }

    public static func assign(_ p: [Double], _ centroids: [[Double]]) -> Int {
        var best = 0, bestDistance = Double.infinity
        for (i, c) in centroids.enumerated() {
            let d = distance(p, c)
            if d < bestDistance { bestDistance = d; best = i }
        }
        return best
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in 0..<min(a.count, b.count) { s += (a[i] - b[i]) * (a[i] - b[i]) }
        return s
    }
}
