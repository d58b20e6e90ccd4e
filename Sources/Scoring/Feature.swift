/// A per-cell feature the scorer can weigh. This is the one list of them:
/// the scorer, the logistic fit, the calibrator's search, the cell dump and
/// the audit iterate `Feature.all(blobRadii:)`, so adding a feature (a
/// window, a polarity) is one case here and its two lines below.
public enum Feature: Hashable, Sendable {
    case mean, std, gradient, entropy, prior, blobCNR, lesionCNR
    /// Centre–surround contrast at the k-th blob radius.
    case blob(Int)

    /// In the order the scorer sums them (the order fixes the bits).
    public static let scalars: [Feature] = [.mean, .std, .gradient, .entropy, .prior, .blobCNR, .lesionCNR]

    /// Every feature of a profile with this many blob radii.
    public static func all(blobRadii: Int) -> [Feature] { scalars + (0..<blobRadii).map { .blob($0) } }

    /// The name in profiles, cell dumps and audit reports.
    public var name: String {
        switch self {
        case .mean: "mean"
        case .std: "std"
        case .gradient: "gradient"
        case .entropy: "entropy"
        case .prior: "prior"
        case .blobCNR: "blobCNR"
        case .lesionCNR: "lesionCNR"
        case .blob(let k): "blob\(k)"
        }
    }

    /// The feature's value in every cell.
    public func values(_ f: CellFeatures) -> [Float] {
        switch self {
        case .mean: f.mean
        case .std: f.std
        case .gradient: f.gradient
        case .entropy: f.entropy
        case .prior: f.prior
        case .blobCNR: f.blobCNR
        case .lesionCNR: f.lesionCNR
        case .blob(let k): f.blob[k]
        }
    }
}

extension FeatureWeights {
    /// A feature's weight; nil for an optional feature the profile does not
    /// weigh (blobCNR and lesionCNR absent from the file). Setting nil on a
    /// feature every profile weighs sets 0.
    public subscript(feature: Feature) -> Double? {
        get {
            switch feature {
            case .mean: mean
            case .std: std
            case .gradient: gradient
            case .entropy: entropy
            case .prior: prior
            case .blobCNR: blobCNR
            case .lesionCNR: lesionCNR
            case .blob(let k): blob[k]
            }
        }
        set {
            switch feature {
            case .mean: mean = newValue ?? 0
            case .std: std = newValue ?? 0
            case .gradient: gradient = newValue ?? 0
            case .entropy: entropy = newValue ?? 0
            case .prior: prior = newValue ?? 0
            case .blobCNR: blobCNR = newValue
            case .lesionCNR: lesionCNR = newValue
            case .blob(let k): blob[k] = newValue ?? 0
            }
        }
    }

    /// Every feature this profile's weights describe, in summing order.
    public var features: [Feature] { Feature.all(blobRadii: blob.count) }
}
