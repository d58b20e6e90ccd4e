import Crypto
import Foundation
import Imaging
import TesseraSupport

/// A scorer's calibration: how to normalise intensity, how to weigh the
/// features, and the per-level thresholds the tiler applies. Versioned JSON
/// (`tessera.profile/1`); the token map records the profile's name and the
/// SHA-256 of its file.
public struct Profile: Sendable, Codable, Equatable {
    public var schema: String = "tessera.profile/1"
    public var name: String
    public var version: Int
    public var domain: ImageDomain
    public var description: String?
    /// Maps the plane to [0, 1] before any feature is computed.
    public var intensity: IntensityWindow
    /// Used to convert lesion radii when the image has no pixel spacing.
    public var assumedSpacingMM: Double
    /// Features are computed on the pyramid level closest to this pixel
    /// spacing (lesions of 3 mm and up need no finer), never coarser than
    /// 4 px per cell side.
    public var analysisSpacingMM: Double
    /// Lesion radii (mm) the blob detector looks for.
    public var blobRadiiMM: [Double]
    /// Which blobs count: denser than their surround (bright), lucent (dark), or both.
    public var blobPolarity: BlobPolarity
    public var weights: FeatureWeights
    /// Split a level-k tile (k ≥ 1) when its pooled score exceeds thresholds[k-1].
    public var thresholds: [Double]
    /// Cells scoring at least this are always finest, even over a token budget.
    public var safetyThreshold: Double
    /// Cells within this many cells of a safety-level cell are also finest.
    public var safetyDilationCells: Int
    /// Tile pooling: the maximum, or a high quantile, of the tile's cell scores.
    public var pooling: Pooling
    /// Semantic codebook over token feature vectors (k-means centroids).
    public var codebook: Codebook?
    /// How the profile was produced (command, data, guarantees).
    public var provenance: [String: String]?
    /// The conformal calibration that set the safety threshold, when fitted.
    public var calibration: CalibrationRecord?
    /// The fail-safe homogeneity criterion (absent: the domain's default,
    /// so an old profile file never tokenizes without it).
    public var certificate: CertificateSettings?
    /// What the profile was calibrated on; an image outside it is tokenized
    /// conservatively (absent: every image is outside).
    public var distribution: CalibratedDistribution?

    /// Written as "max" or "quantile:0.95".
    public enum Pooling: Sendable, Codable, Equatable {
        case max
        case quantile(Double)

        public init(from decoder: Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            if text == "max" { self = .max; return }
            if text.hasPrefix("quantile:"), let q = Double(text.dropFirst(9)), (0...1).contains(q) {
                self = .quantile(q); return
            }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "pooling must be \"max\" or \"quantile:Q\" with Q in 0…1, not '\(text)'"))
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .max: try c.encode("max")
            case .quantile(let q): try c.encode("quantile:\(q)")
            }
        }
    }
}

public enum BlobPolarity: String, Sendable, Codable, Equatable {
    case bright, dark, both
}

/// Logistic weights: score = σ(bias + Σ wᵢ·featureᵢ).
public struct FeatureWeights: Sendable, Codable, Equatable {
    public var bias: Double
    public var mean: Double
    public var std: Double
    public var gradient: Double
    public var entropy: Double
    /// One weight per entry of `blobRadiiMM`.
    public var blob: [Double]
    /// Domain prior (CT: solid tissue inside lung).
    public var prior: Double
    /// Blob contrast-to-noise ratio (absent in version-1 profiles: 0).
    public var blobCNR: Double?
    /// Isotropic lesion contrast-to-noise over its footprint. Absent: the
    /// feature is not computed at all (it costs the most of any feature).
    public var lesionCNR: Double?
}

public struct Codebook: Sendable, Codable, Equatable {
    /// Names of the token feature vector's components, in order.
    public var features: [String]
    public var centroids: [[Double]]

    public init(features: [String], centroids: [[Double]]) {
        self.features = features
        self.centroids = centroids
    }
}

/// What `tessera calibrate` guarantees and how it got there.
public struct CalibrationRecord: Sendable, Codable, Equatable {
    public var alpha: Double
    public var calibrationCases: Int
    public var calibrationROIs: Int
    /// Conformal threshold on the search's raw score scale, before the margin.
    public var conformalThreshold: Double?
    public var marginLogit: Double
    /// Mean skipped-ROI fraction on the calibration cases.
    public var empiricalRisk: Double
    public var bound: String
    public var calibrationReduction: Double
    /// Recall and reduction on the calibration cases as the threshold moves.
    public var curve: [[Double]]
    public var command: String
    public var suites: [String]

    public init(alpha: Double, calibrationCases: Int, calibrationROIs: Int, conformalThreshold: Double?, marginLogit: Double,
                empiricalRisk: Double, bound: String, calibrationReduction: Double, curve: [[Double]], command: String, suites: [String]) {
        self.alpha = alpha; self.calibrationCases = calibrationCases; self.calibrationROIs = calibrationROIs
        self.conformalThreshold = conformalThreshold; self.marginLogit = marginLogit; self.empiricalRisk = empiricalRisk
        self.bound = bound; self.calibrationReduction = calibrationReduction; self.curve = curve
        self.command = command; self.suites = suites
    }
}

public struct LoadedProfile: Sendable {
    public let profile: Profile
    /// SHA-256 of the profile file's bytes (hex).
    public let sha256: String
    public let source: String

    public init(profile: Profile, sha256: String, source: String) {
        self.profile = profile; self.sha256 = sha256; self.source = source
    }
}

public enum ProfileError: Error, CustomStringConvertible, Sendable {
    case unknownBuiltIn(String)
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknownBuiltIn(let n):
            return "no built-in profile '\(n)' (built-in: \(Profile.builtInNames.joined(separator: ", ")), or a path to a JSON file)"
        case .unreadable(let p, let r): return "\(p): cannot read profile (\(r))"
        case .invalid(let p, let r): return "\(p): invalid profile (\(r))"
        }
    }
}

extension Profile {
    public static let builtInNames = ["ct", "xray", "natural", "ct-lidc"]

    /// Built-in name, or a path to a profile JSON file.
    public static func load(_ nameOrPath: String) throws(ProfileError) -> LoadedProfile {
        if builtInNames.contains(nameOrPath) {
            guard let url = Bundle.module.url(forResource: nameOrPath, withExtension: "json", subdirectory: "Profiles") else {
                throw .unknownBuiltIn(nameOrPath)
            }
            return try load(url: url, label: "built-in:\(nameOrPath)")
        }
        guard nameOrPath.hasSuffix(".json") || FileManager.default.fileExists(atPath: nameOrPath) else {
            throw .unknownBuiltIn(nameOrPath)
        }
        return try load(url: URL(fileURLWithPath: nameOrPath), label: nameOrPath)
    }

    public static func builtIn(for domain: ImageDomain) throws(ProfileError) -> LoadedProfile {
        try load(domain.rawValue)
    }

    static func load(url: URL, label: String) throws(ProfileError) -> LoadedProfile {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: describeError(error)) }
        let profile: Profile
        do { profile = try JSONDecoder().decode(Profile.self, from: data) } catch {
            throw .invalid(path: url.path, reason: describeError(error))
        }
        try profile.validate(path: url.path)
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        return LoadedProfile(profile: profile, sha256: digest, source: label)
    }

    func validate(path: String) throws(ProfileError) {
        guard schema == "tessera.profile/1" else { throw .invalid(path: path, reason: "schema '\(schema)'") }
        guard !thresholds.isEmpty else { throw .invalid(path: path, reason: "no thresholds") }
        guard weights.blob.count == blobRadiiMM.count else {
            throw .invalid(path: path, reason: "\(weights.blob.count) blob weights for \(blobRadiiMM.count) radii")
        }
        guard assumedSpacingMM > 0 else { throw .invalid(path: path, reason: "assumedSpacingMM must be positive") }
        if let c = certificate {
            guard c.zThreshold > 0, c.contrastFraction > 0, !c.radiiMM.isEmpty, c.radiiMM.allSatisfy({ $0 > 0 }) else {
                throw .invalid(path: path, reason: "certificate needs zThreshold > 0, contrastFraction > 0 and positive radii")
            }
            for (region, windows) in c.windows ?? [:] where windows.contains(where: { $0.count != 2 || $0[1] <= 0 }) {
                throw .invalid(path: path, reason: "certificate windows for '\(region)' must be [centre, width > 0] pairs")
            }
        }
        if let c = codebook, c.centroids.contains(where: { $0.count != c.features.count }) {
            throw .invalid(path: path, reason: "codebook centroid size differs from its feature list")
        }
    }

    /// Pyramid level features are computed on, for a plane of this spacing.
    public func analysisLevel(spacingMM: Double, cellSize: Int) -> Int {
        let wanted = Int((log2(analysisSpacingMM / spacingMM)).rounded())
        var level = max(0, wanted)
        while level > 0 && (cellSize >> level) < 4 { level -= 1 }
        return level
    }

    /// The certificate this profile tokenizes with.
    public var certificateSettings: CertificateSettings { certificate ?? .defaults(for: domain) }

    /// The tree depth this profile's thresholds describe.
    public var maxLevel: Int { thresholds.count }
}
