/// `tessera.audit/1`: what `tessera audit` measured, written as audit.json
/// and rendered as index.html.
public struct AuditReport: Sendable, Codable {
    public var schema = "tessera.audit/1"
    public var profiles: [ProfileInfo]
    public var domains: [DomainInfo]
    /// One cell per profile × domain.
    public var matrix: [Cell]
    /// The foreign-profile comparisons in words and numbers.
    public var comparisons: [Comparison]
    public var shift: [Shift]
    public var histograms: [Histogram]
    public var worstCases: [SkippedROI]
    public var probes: [ProbeResult]

    public struct ProfileInfo: Sendable, Codable {
        public var name: String
        public var domain: String
        public var sha256: String
    }

    public struct DomainInfo: Sendable, Codable {
        public var name: String
        public var source: String
        /// What the cases were read as (ct, xray, natural).
        public var imageDomain: String?
        public var cases: Int
        public var rois: Int
        public var failedCases: [String]
    }

    public struct Cell: Sendable, Codable {
        public var profile: String
        public var domain: String
        /// The profile was calibrated on another domain.
        public var foreign: Bool
        public var cases: Int
        public var rois: Int
        public var resolved: Int
        /// resolved / rois (nil without ROIs).
        public var recall: Double?
        /// 1 − tokens / uniform tokens over the domain's cases.
        public var reduction: Double
        /// Share of foreground cells scored at or below the profile's first
        /// split threshold: what the profile calls healthy.
        public var healthyShare: Double
    }

    public struct Comparison: Sendable, Codable {
        public var domain: String
        public var ownProfile: String
        public var foreignProfile: String
        public var own: Cell
        public var foreign: Cell
        public var statement: String
    }

    public struct Shift: Sendable, Codable {
        public var profile: String
        public var domainA: String
        public var domainB: String
        public var features: [FeatureDistance]
    }

    public struct FeatureDistance: Sendable, Codable {
        public var feature: String
        public var ks: Double
        public var wasserstein: Double
    }

    public struct Histogram: Sendable, Codable {
        public var profile: String
        public var feature: String
        public var low: Double
        public var high: Double
        /// Share of foreground cells per bin, per domain.
        public var shares: [String: [Double]]
    }

    public struct SkippedROI: Sendable, Codable {
        public var profile: String
        public var domain: String
        public var caseID: String
        public var roi: String
        /// The profile was calibrated on another image domain.
        public var foreign: Bool
        public var fineFraction: Double
        public var droppedFraction: Double
        /// Heatmap thumbnail, relative to the audit folder.
        public var thumbnail: String?
    }

    public struct ProbeResult: Sendable, Codable {
        public var profile: String
        public var domain: String
        public var probe: String
        public var description: String
        public var rois: Int
        public var resolvedBaseline: Int
        public var resolvedPerturbed: Int
        public var recallBaseline: Double
        public var recallPerturbed: Double
        /// ROIs skipped under the perturbation (case/roi).
        public var skipped: [String]
    }
}
