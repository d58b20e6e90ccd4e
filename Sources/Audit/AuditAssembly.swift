import Annotations
import Calibration
import Foundation
import Imaging
import TesseraSupport

/// Turns per-case outcomes into the report: the matrix, the comparisons,
/// the distribution shift, the worst cases and the probes.
struct AuditAssembly {
    let runner: AuditRunner
    let outcomes: [AuditRunner.CaseOutcome]

    func report() -> AuditReport {
        let profiles = runner.profiles.map {
            AuditReport.ProfileInfo(name: $0.profile.name, domain: $0.profile.domain.rawValue, sha256: $0.sha256)
        }
        let domainNames = runner.domains.map(\.name)
        let imaging = imageDomains()
        let domains = runner.domains.map { d -> AuditReport.DomainInfo in
            let cases = outcomes.filter { $0.domain == d.name }
            return AuditReport.DomainInfo(name: d.name, source: d.path, imageDomain: imaging[d.name]?.rawValue, cases: cases.count,
                                          rois: cases.reduce(0) { $0 + ($1.profiles.first?.coverage.count ?? 0) },
                                          failedCases: cases.filter { $0.error != nil }.map { "\($0.caseID): \($0.error!)" })
        }
        var matrix: [AuditReport.Cell] = []
        for p in runner.profiles {
            for d in domainNames {
                let runs = outcomes.filter { $0.domain == d }.compactMap { o in o.profiles.first { $0.profile == p.profile.name } }
                let coverage = runs.flatMap(\.coverage)
                let tokens = runs.reduce(0) { $0 + $1.tokens }, uniform = runs.reduce(0) { $0 + $1.uniform }
                let foreground = runs.reduce(0) { $0 + $1.foregroundCells }
                matrix.append(AuditReport.Cell(
                    profile: p.profile.name, domain: d, foreign: imaging[d].map { $0 != p.profile.domain } ?? true,
                    cases: runs.count, rois: coverage.count, resolved: coverage.filter(\.resolved).count,
                    recall: coverage.isEmpty ? nil : finiteRound4(Double(coverage.filter(\.resolved).count) / Double(coverage.count)),
                    reduction: finiteRound4(uniform > 0 ? 1 - Double(tokens) / Double(uniform) : 0),
                    healthyShare: finiteRound4(foreground > 0 ? Double(runs.reduce(0) { $0 + $1.healthyCells }) / Double(foreground) : 0)))
            }
        }
        return AuditReport(profiles: profiles, domains: domains, matrix: matrix, comparisons: comparisons(matrix),
                           shift: shift(domainNames), histograms: histograms(domainNames),
                           worstCases: outcomes.flatMap { $0.profiles.flatMap(\.skipped) }.map {
                               var s = $0
                               s.fineFraction = finiteRound4(s.fineFraction); s.droppedFraction = finiteRound4(s.droppedFraction)
                               return s
                           },
                           probes: probes())
    }

    /// The image domain of each `--domain` (what its cases were read as; the
    /// commonest when they differ): "own" and "foreign" are decided by it,
    /// whatever the user named the domain.
    func imageDomains() -> [String: ImageDomain] {
        var out: [String: ImageDomain] = [:]
        for d in runner.domains.map(\.name) {
            let seen = outcomes.filter { $0.domain == d }.compactMap(\.imageDomain)
            out[d] = Dictionary(grouping: seen, by: { $0 }).max { $0.value.count < $1.value.count }?.key
        }
        return out
    }

    /// Each domain's own profile against every foreign one, where ROIs exist.
    func comparisons(_ matrix: [AuditReport.Cell]) -> [AuditReport.Comparison] {
        var out: [AuditReport.Comparison] = []
        for own in matrix where !own.foreign && own.rois > 0 {
            for foreign in matrix where foreign.domain == own.domain && foreign.foreign && foreign.rois > 0 {
                func describe(_ c: AuditReport.Cell) -> String {
                    "the \(c.profile) profile resolves \(c.resolved)/\(c.rois) ROIs (" + pct(c.recall ?? 0)
                        + ") at " + pct(c.reduction) + " token reduction"
                }
                let statement = "On \(own.domain): " + describe(foreign) + "; " + describe(own) + "."
                out.append(AuditReport.Comparison(domain: own.domain, ownProfile: own.profile, foreignProfile: foreign.profile,
                                                  own: own, foreign: foreign, statement: statement))
            }
        }
        return out
    }

    func samples(_ profile: String, _ domain: String, _ feature: String) -> [Double] {
        outcomes.filter { $0.domain == domain }.flatMap { o in
            o.profiles.first { $0.profile == profile }?.samples[feature] ?? []
        }
    }

    func shift(_ domains: [String]) -> [AuditReport.Shift] {
        var out: [AuditReport.Shift] = []
        for p in runner.profiles.map(\.profile.name) {
            for (i, a) in domains.enumerated() {
                for b in domains[(i + 1)...] {
                    let features = AuditRunner.features.map { f -> AuditReport.FeatureDistance in
                        let x = samples(p, a, f), y = samples(p, b, f)
                        return AuditReport.FeatureDistance(feature: f, ks: finiteRound4(Distribution.ks(x, y)),
                                                           wasserstein: finiteRound4(Distribution.wasserstein(x, y)))
                    }
                    out.append(AuditReport.Shift(profile: p, domainA: a, domainB: b, features: features))
                }
            }
        }
        return out
    }

    /// 30 bins over the 1st–99th percentile of all domains' values.
    func histograms(_ domains: [String]) -> [AuditReport.Histogram] {
        var out: [AuditReport.Histogram] = []
        for p in runner.profiles.map(\.profile.name) {
            for f in AuditRunner.features {
                let pooled = domains.flatMap { samples(p, $0, f) }.sorted()
                guard !pooled.isEmpty else { continue }
                var low = pooled[pooled.count / 100], high = pooled[pooled.count * 99 / 100]
                if f == "score" { (low, high) = (0, 1) }
                if high <= low { high = low + 1 }
                var shares: [String: [Double]] = [:]
                for d in domains { shares[d] = Distribution.histogram(samples(p, d, f), low: low, high: high, bins: 30).map(finiteRound4) }
                out.append(AuditReport.Histogram(profile: p, feature: f, low: finiteRound4(low), high: finiteRound4(high), shares: shares))
            }
        }
        return out
    }

    func probes() -> [AuditReport.ProbeResult] {
        var out: [AuditReport.ProbeResult] = []
        for p in runner.profiles.map(\.profile.name) {
            for d in runner.domains.map(\.name) {
                for probe in Probe.allCases {
                    let runs = outcomes.filter { $0.domain == d }.flatMap { o in
                        o.probes.filter { $0.profile == p && $0.probe == probe }.map { (o.caseID, $0) }
                    }
                    guard !runs.isEmpty else { continue }
                    let base = runs.flatMap { $0.1.baseline }, pert = runs.flatMap { $0.1.perturbed }
                    let skipped = runs.flatMap { id, r in r.perturbed.filter { !$0.resolved }.map { "\(id)/\($0.id)" } }
                    func recall(_ c: [CoverageResult]) -> Double { c.isEmpty ? 0 : finiteRound4(Double(c.filter(\.resolved).count) / Double(c.count)) }
                    out.append(AuditReport.ProbeResult(profile: p, domain: d, probe: probe.rawValue, description: probe.description,
                                                       rois: base.count, resolvedBaseline: base.filter(\.resolved).count,
                                                       resolvedPerturbed: pert.filter(\.resolved).count,
                                                       recallBaseline: recall(base), recallPerturbed: recall(pert), skipped: skipped))
                }
            }
        }
        return out
    }
}

/// Rounded to 4 decimals; NaN and infinities (a distance over no samples) become 0.
func finiteRound4(_ v: Double) -> Double { v.isFinite ? round4(v) : 0 }
func pct(_ v: Double) -> String { SuiteReportFormat.pct(v) }
