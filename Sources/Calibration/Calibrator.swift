import Foundation
import Scoring
import TesseraSupport
import Tiling

/// Fits a profile on calibration cases: logistic weights by a seeded random
/// search that maximises token reduction, and the safety threshold by
/// conformal risk control at level α for every candidate — so the search can
/// only trade reduction, never the guarantee.
public struct Calibrator: Sendable {
    public var alpha: Double
    /// Extra safety below the conformal threshold, in logit units (≥ 0 keeps
    /// the guarantee: a lower threshold can only resolve more ROIs).
    public var marginLogit: Double = 0.25
    public var iterations: Int = 300
    public var seed: UInt64 = 20261130
    /// Extra margin (logit) the weight search holds itself to.
    public var searchMarginLogit = 1.0

    public init(alpha: Double, marginLogit: Double = 0.25, iterations: Int = 300, seed: UInt64 = 20261130) {
        self.alpha = alpha; self.marginLogit = marginLogit; self.iterations = iterations; self.seed = seed
    }

    public struct Outcome: Sendable {
        public var profile: Profile
        public var conformal: ConformalRiskControl.Result
        /// Token reduction over the calibration cases with the fitted profile.
        public var calibrationReduction: Double
        public var curve: [CurvePoint]
    }

    /// The ROIs that hold the threshold down: for each, the share of its
    /// case's foreground cells scoring at least its critical threshold.
    public func hardest(_ cases: [CalibrationCase], weights: FeatureWeights, dilation: Int, count: Int = 10)
        -> [(id: String, share: Double)] {
        var out: [(String, Double)] = []
        for c in cases {
            let z = DensityScorer.logits(c.features, weights: weights)
            let fg = z.filter { $0.isFinite }
            for (id, t) in zip(c.roiIDs, c.criticalThresholds(scores: z, dilation: dilation)) {
                out.append(("\(c.id)/\(id)", Double(fg.filter { $0 >= t }.count) / Double(max(fg.count, 1))))
            }
        }
        return Array(out.sorted { $0.1 > $1.1 }.prefix(count))
    }

    public struct CurvePoint: Sendable, Codable, Equatable {
        /// Safety threshold on the fitted profile's score scale.
        public var threshold: Double
        public var recall: Double
        public var reduction: Double
    }

    /// Threshold the shipped profile uses; the bias is shifted to put the
    /// conformal threshold there, so thresholds read the same in every profile.
    public static let canonicalThreshold = 0.7

    /// Weights are searched on `fitting` cases; the conformal threshold is set
    /// on the separate `conformal` cases, so the guarantee is not spent on
    /// the search (the threshold sees data the weights never saw).
    public func fit(fitting: [CalibrationCase], conformal: [CalibrationCase], start: Profile,
                    logisticStart: Bool = false) -> Outcome {
        var rng = SplitMix64(seed: seed)
        var best = logisticStart ? LogisticFit.fit(fitting, start: start.weights).clamped(to: 100) : start.weights
        // The search judges weights with a wider margin than the final
        // threshold gets: weights that only work at the exact calibration
        // edge would not carry over to the conformal half.
        let search = Calibrator(alpha: alpha, marginLogit: marginLogit + searchMarginLogit, iterations: iterations, seed: seed)
        var bestScore = search.evaluate(fitting, weights: best, profile: start)
        for i in 0..<iterations {
            let sigma = i < iterations / 2 ? 3.0 : 1.0
            var w = best
            // One deviate per feature, in summing order. Lesion CNR only when
            // the profile computes it (and only then is a deviate drawn, so
            // profiles without it search exactly as before); blob CNR always.
            for feature in w.features where feature != .lesionCNR || w.lesionCNR != nil {
                w[feature] = (w[feature] ?? 0) + rng.gaussian() * sigma
            }
            w = w.clamped(to: 25)
            let score = search.evaluate(fitting, weights: w, profile: start)
            if score.objective > bestScore.objective { best = w; bestScore = score }
        }
        let final = evaluate(conformal, weights: best, profile: start)
        // Put the (margin-lowered) conformal threshold at the canonical value.
        var profile = start
        profile.weights = best
        profile.weights.bias += logit(Self.canonicalThreshold) - final.tau
        profile.thresholds = Array(repeating: Self.canonicalThreshold, count: start.maxLevel)
        profile.safetyThreshold = Self.canonicalThreshold
        let curve = self.curve(conformal, weights: best, profile: start, chosen: final.tau)
        return Outcome(profile: profile, conformal: final.conformal, calibrationReduction: final.reduction, curve: curve)
    }

    struct Evaluation {
        var reduction: Double
        /// Threshold on the logit scale, margin applied.
        var tau: Double
        var conformal: ConformalRiskControl.Result
        /// Reduction, heavily penalised when the conformal level cannot be met.
        var objective: Double { conformal.threshold == nil ? reduction - 10 : reduction }
    }

    func evaluate(_ cases: [CalibrationCase], weights: FeatureWeights, profile: Profile) -> Evaluation {
        let logits = cases.map { DensityScorer.logits($0.features, weights: weights) }
        let critical = zip(cases, logits).map { $0.criticalThresholds(scores: $1, dilation: profile.safetyDilationCells) }
        let conformal = ConformalRiskControl.calibrate(critical: critical, alpha: alpha)
        // Infeasible α: every foreground cell finest.
        let tau = (conformal.threshold ?? -1e9) - marginLogit
        return Evaluation(reduction: reduction(cases, logits: logits, tau: tau, profile: profile), tau: tau, conformal: conformal)
    }

    /// Token reduction when cells at or above `tau` (logit) are safety cells.
    func reduction(_ cases: [CalibrationCase], logits: [[Double]], tau: Double, profile: Profile) -> Double {
        var p = profile
        p.thresholds = Array(repeating: 0, count: profile.maxLevel)
        p.safetyThreshold = 0
        var tokens = 0, uniform = 0
        for (c, z) in zip(cases, logits) {
            // Shift so the threshold sits at 0: the tiler compares scores with thresholds.
            let shifted = z.map { Float(max($0 - tau, -1e30)) }
            tokens += QuadtreeTiler.tile(grid: c.grid, scores: shifted, foreground: c.features.foreground, profile: p).tokens.count
            uniform += c.grid.count
        }
        return 1 - Double(tokens) / Double(max(uniform, 1))
    }

    /// Recall (resolved ROIs) and reduction as the threshold moves around the chosen one.
    func curve(_ cases: [CalibrationCase], weights: FeatureWeights, profile: Profile, chosen: Double) -> [CurvePoint] {
        let logits = cases.map { DensityScorer.logits($0.features, weights: weights) }
        let critical = zip(cases, logits).flatMap { $0.criticalThresholds(scores: $1, dilation: profile.safetyDilationCells) }
        return [-3.0, -2, -1, -0.5, 0, 0.5, 1, 2, 3, 4].map { dz in
            let tau = chosen + dz
            let recall = critical.isEmpty ? 1 : Double(critical.filter { $0 >= tau }.count) / Double(critical.count)
            let shown = 1 / (1 + exp(-(logit(Self.canonicalThreshold) + dz)))
            return CurvePoint(threshold: round4(shown), recall: recall,
                              reduction: reduction(cases, logits: logits, tau: tau, profile: profile))
        }
    }
}

extension FeatureWeights {
    /// Keeps the search away from saturated, degenerate weights.
    func clamped(to limit: Double) -> FeatureWeights {
        var w = self
        let c = { (v: Double) in min(max(v, -limit), limit) }
        for feature in features { w[feature] = w[feature].map(c) }
        return w
    }
}

func logit(_ p: Double) -> Double { let q = min(max(p, 1e-12), 1 - 1e-12); return log(q / (1 - q)) }
