/// The `tessera.tokenmap/1` contract (../shared/docs/contracts.md): one map
/// per image frame. `tokens` ∪ `dropped` tile the image exactly once.
public struct TokenMap: Sendable, Codable, Equatable {
    public static let schemaID = "tessera.tokenmap/1"

    public var schema: String = TokenMap.schemaID
    public var source: Source
    public var image: ImageInfo
    public var profile: ProfileRef
    public var basePatch: Int
    public var tokens: [Token]
    public var dropped: [Region]
    public var stats: Stats
    /// Present in budget mode: what was asked and what the safety floor allowed.
    public var budget: BudgetReport?
    /// How safe the coarsening is: body region, the homogeneity certificate,
    /// and whether the image was tokenized conservatively, and why.
    public var assessment: Assessment?

    public struct Assessment: Sendable, Codable, Equatable {
        /// head, neck, chest, abdomen, extremity, breast or unknown.
        public var region: String
        /// Where the region came from (header attribute or image finding).
        public var regionReason: String
        /// True: outside the profile's calibrated distribution, so every
        /// foreground cell is a finest token and only background is dropped.
        public var conservative: Bool
        /// Why the image is outside the calibrated distribution (also listed
        /// when the guard was not enforced).
        public var reasons: [String]
        /// Pixel noise σ the certificate measured (analysis level, image unit).
        public var noiseSigma: Double
        /// Foreground cells the certificate could not prove homogeneous (kept fine).
        public var uncertifiedCells: Int
        public var foregroundCells: Int

        /// The reasons as one line, when the map is conservative.
        public var conservativeReason: String? { conservative ? reasons.joined(separator: "; ") : nil }
    }

    public struct Source: Sendable, Codable, Equatable {
        public var path: String
        public var sopInstanceUID: String?
        public var frame: Int
    }

    public struct ImageInfo: Sendable, Codable, Equatable {
        public var rows: Int
        public var columns: Int
        public var pixelSpacingMM: [Double]?
        public var modality: String?
    }

    public struct ProfileRef: Sendable, Codable, Equatable {
        public var name: String
        public var domain: String
        public var sha256: String
    }

    public struct Token: Sendable, Codable, Equatable {
        public var x: Int
        public var y: Int
        public var w: Int
        public var h: Int
        public var level: Int
        /// Calibrated density score of the region, 0…1 (tail-pooled).
        public var score: Double
        /// Semantic code: index of the nearest codebook centroid.
        public var code: Int?
        /// Hierarchical features from the matching pyramid level
        /// (`featureNames` in stats order: mean, std, gradient, min, max).
        public var features: [Double]?
        /// False when the token is fine because the certificate could not
        /// prove its region homogeneous ("cannot tell"); absent otherwise.
        public var certified: Bool?
    }

    public struct Region: Sendable, Codable, Equatable {
        public var x: Int
        public var y: Int
        public var w: Int
        public var h: Int
    }

    public struct Stats: Sendable, Codable, Equatable {
        public var tokenCount: Int
        public var uniformTokenCount: Int
        public var reduction: Double
        /// Tokens per level, finest first.
        public var tokensPerLevel: [Int]?
        public var droppedFraction: Double?
        public var featureNames: [String]?
    }

    public struct BudgetReport: Sendable, Codable, Equatable {
        public var requested: Int
        public var tokens: Int
        public var exact: Bool
        /// Why the count differs from the request, when it does.
        public var note: String?
    }
}

extension TokenMap {
    public static func uniformCount(rows: Int, columns: Int, basePatch: Int) -> Int {
        ((rows + basePatch - 1) / basePatch) * ((columns + basePatch - 1) / basePatch)
    }
}
