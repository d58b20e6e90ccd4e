import Foundation
import Scoring

/// Class-balanced logistic regression of "this cell holds ROI pixels" on the
/// cell features: a discriminative starting point for the weight search.
public enum LogisticFit {
    static func vector(_ f: CellFeatures, _ c: Int) -> [Double] {
        Feature.all(blobRadii: f.blob.count).map { Double($0.values(f)[c]) }
    }

    public static func fit(_ cases: [CalibrationCase], start: FeatureWeights, epochs: Int = 400, l2: Double = 1e-3) -> FeatureWeights {
        var x: [[Double]] = [], y: [Double] = []
        for c in cases {
            let positive = Set(c.roiCells.flatMap { $0 })
            for cell in 0..<c.grid.count where c.features.foreground[cell] > 0 {
                x.append(vector(c.features, cell))
                y.append(positive.contains(cell) ? 1 : 0)
            }
        }
        let pos = y.reduce(0, +), neg = Double(y.count) - pos
        guard pos > 0, neg > 0, let d = x.first?.count else { return start }
        // Standardise so one learning rate suits every feature.
        var mu = [Double](repeating: 0, count: d), sd = [Double](repeating: 0, count: d)
        for row in x { for k in 0..<d { mu[k] += row[k] } }
        for k in 0..<d { mu[k] /= Double(x.count) }
        for row in x { for k in 0..<d { let v = row[k] - mu[k]; sd[k] += v * v } }
        for k in 0..<d { sd[k] = max((sd[k] / Double(x.count)).squareRoot(), 1e-6) }
        let xs = x.map { row in (0..<d).map { (row[$0] - mu[$0]) / sd[$0] } }
        let wPos = 0.5 / pos, wNeg = 0.5 / neg
        var w = [Double](repeating: 0, count: d), b = 0.0
        for _ in 0..<epochs {
            var gw = [Double](repeating: 0, count: d), gb = 0.0
            for (row, label) in zip(xs, y) {
                var z = b
                for k in 0..<d { z += w[k] * row[k] }
                let err = (1 / (1 + exp(-z)) - label) * (label == 1 ? wPos : wNeg)
                for k in 0..<d { gw[k] += err * row[k] }
                gb += err
            }
            for k in 0..<d { w[k] -= 2.0 * (gw[k] + l2 * w[k]) }
            b -= 2.0 * gb
        }
        // Back to raw feature units.
        let raw = (0..<d).map { w[$0] / sd[$0] }
        var out = start
        out.bias = b - (0..<d).reduce(0) { $0 + raw[$1] * mu[$1] }
        // Lesion CNR is computed only when weighed: all zeros otherwise, keep it off.
        for (k, feature) in Feature.all(blobRadii: d - Feature.scalars.count).enumerated()
        where feature != .lesionCNR || start.lesionCNR != nil {
            out[feature] = raw[k]
        }
        return out
    }
}
