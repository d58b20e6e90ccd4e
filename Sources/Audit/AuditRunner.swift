import Annotations
import Calibration
import DicomIO
import Export
import FileOutput
import Foundation
import Imaging
import Scoring
import TesseraSupport
import Tiling

/// Runs every profile on every domain's cases, the robustness probes on each
/// profile's own domain, and gathers what the report needs. Case by case:
/// at most `jobs` images are in memory at once.
public struct AuditRunner: Sendable {
    public var domains: [AuditDomain]
    public var profiles: [LoadedProfile]
    /// Folder for thumbnails (the audit's output folder).
    public var output: String
    public var split = Split.test
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// Feature values kept per case, profile and feature (evenly strided).
    public var samplesPerCase = 1500
    public var thumbnailSize = 224

    public init(domains: [AuditDomain], profiles: [LoadedProfile], output: String) {
        self.domains = domains; self.profiles = profiles; self.output = output
    }

    /// The features whose distributions are compared across domains, and the score.
    static let features = [Feature.mean, .std, .gradient, .entropy, .blobCNR].map(\.name) + ["score"]

    /// What one profile did on one case.
    struct ProfileOutcome: Sendable {
        var profile: String
        var tokens: Int
        var uniform: Int
        var coverage: [CoverageResult]
        var healthyCells: Int
        var foregroundCells: Int
        var samples: [String: [Double]]
        var skipped: [AuditReport.SkippedROI]
    }

    struct ProbeOutcome: Sendable {
        var profile: String
        var probe: Probe
        var baseline: [CoverageResult]
        var perturbed: [CoverageResult]
    }

    struct CaseOutcome: Sendable {
        var domain: String
        var caseID: String
        var imageDomain: ImageDomain?
        var profiles: [ProfileOutcome]
        var probes: [ProbeOutcome]
        var error: String?
    }

    public func run() async throws -> AuditReport {
        var work: [(domain: String, suite: Suite, folder: String, c: SuiteCase, index: Int)] = []
        for d in domains {
            let (suite, folder) = try d.cases(split: split)
            work += suite.cases.enumerated().map { (d.name, suite, folder, $0.element, $0.offset) }
        }
        try FileManager.default.createDirectory(atPath: output + "/thumbnails", withIntermediateDirectories: true)
        let outcomes = await boundedConcurrentMap(work, limit: jobs) { item in
            self.evaluate(item.c, suite: item.suite, folder: item.folder, domain: item.domain, index: item.index)
        }
        return AuditAssembly(runner: self, outcomes: outcomes).report()
    }

    /// `index`: the case's place in its domain (thumbnail names stay unique
    /// when two images share a file stem).
    func evaluate(_ c: SuiteCase, suite: Suite, folder: String, domain: String, index: Int) -> CaseOutcome {
        do {
            let prepared = try CasePreparation.prepare(c, suite: suite, folder: folder)
            let header = try? ImageHeader(file: DicomFile(path: prepared.source.path, headerOnly: true))
            let headerWindow = header?.voiWindow
            var results: [ProfileOutcome] = []
            var probes: [ProbeOutcome] = []
            for profile in profiles {
                let own = profile.profile.domain == prepared.domain
                let plane = ForeignView.present(prepared.plane, imageDomain: prepared.domain, headerWindow: headerWindow,
                                                profile: profile.profile)
                // A foreign profile is measured as a pipeline with only that
                // calibrated scorer would run it: no homogeneity certificate
                // and no distribution guard. The audit shows the domain shift
                // those two exist to catch; the own profile runs as shipped.
                let used = own ? profile
                    : LoadedProfile(profile: profile.profile.withoutCertificate(), sha256: profile.sha256, source: profile.source)
                let tokenized = Tokenizer.tokenize(plane, source: prepared.source, domain: profile.profile.domain, profile: used,
                                                   features: .withBlobCNR, enforceDistribution: own)
                let coverage = Coverage.evaluate(tokenized.map, rois: prepared.rois)
                var outcome = summarize(tokenized, profile: profile, coverage: coverage)
                if coverage.contains(where: { !$0.resolved }) {
                    let thumbnail = "thumbnails/"
                        + safeFileNameComponent("\(profile.profile.name)-\(domain)-\(index)-\(c.id)", fallback: "case") + ".png"
                    try writeThumbnail(tokenized, plane: plane, profile: profile, rois: prepared.rois, coverage: coverage,
                                       to: output + "/" + thumbnail)
                    outcome.skipped = coverage.filter { !$0.resolved }.map {
                        AuditReport.SkippedROI(profile: profile.profile.name, domain: domain, caseID: c.id, roi: $0.id, foreign: !own,
                                               fineFraction: $0.fineFraction, droppedFraction: $0.droppedFraction,
                                               thumbnail: thumbnail)
                    }
                }
                results.append(outcome)
                guard own, !prepared.rois.isEmpty else { continue }
                for probe in Probe.allCases {
                    let seed = stableHash("\(domain)/\(c.id)/\(probe.rawValue)")
                    let perturbed = probe.apply(prepared.plane, domain: prepared.domain, rois: prepared.rois, seed: seed)
                    let map = Tokenizer.tokenize(perturbed, source: prepared.source, domain: prepared.domain, profile: profile).map
                    probes.append(ProbeOutcome(profile: profile.profile.name, probe: probe, baseline: coverage,
                                               perturbed: Coverage.evaluate(map, rois: prepared.rois)))
                }
            }
            return CaseOutcome(domain: domain, caseID: c.id, imageDomain: prepared.domain, profiles: results, probes: probes,
                               error: nil)
        } catch {
            return CaseOutcome(domain: domain, caseID: c.id, imageDomain: nil, profiles: [], probes: [], error: describeError(error))
        }
    }

    func summarize(_ t: TokenizedImage, profile: LoadedProfile, coverage: [CoverageResult]) -> ProfileOutcome {
        let f = t.scored.features
        let cells = (0..<f.grid.count).filter { f.foreground[$0] > 0 }
        let healthyLimit = Float(profile.profile.thresholds.first ?? 0.5)
        var columns: [String: [Float]] = ["score": t.scored.scores]
        for feature in Feature.scalars { columns[feature.name] = feature.values(f) }
        var samples: [String: [Double]] = [:]
        for (name, values) in columns {
            samples[name] = Distribution.thin(cells.map { Double(values[$0]) }, limit: samplesPerCase)
        }
        return ProfileOutcome(profile: profile.profile.name, tokens: t.map.stats.tokenCount, uniform: t.map.stats.uniformTokenCount,
                              coverage: coverage, healthyCells: cells.filter { t.scored.scores[$0] <= healthyLimit }.count,
                              foregroundCells: cells.count, samples: samples, skipped: [])
    }

    /// The heatmap as the profile saw the image: its own intensity window.
    func writeThumbnail(_ t: TokenizedImage, plane: ImagePlane, profile: LoadedProfile, rois: [ROI],
                        coverage: [CoverageResult], to path: String) throws {
        let w = t.scored.window
        let window = DisplayWindow.explicit(center: (w.lowerBound + w.upperBound) / 2 + 0.5,
                                            width: max(w.upperBound - w.lowerBound + 1, 1))
        let display = ImagePlane(rows: plane.rows, columns: plane.columns, values: plane.values, spacingMM: plane.spacingMM,
                                 monochrome1: plane.monochrome1, paddingValue: nil)
        let content = HeatmapContent(plane: display, scored: t.scored, map: t.map, profileName: profile.profile.name,
                                     rois: rois, coverage: coverage)
        let heatmap = try HeatmapRenderer.render(content, options: HeatmapOptions(window: window, overlay: .both,
                                                                                  maxSize: thumbnailSize))
        try HeatmapWriter.writePNG(heatmap.canvas, to: path)
    }
}
