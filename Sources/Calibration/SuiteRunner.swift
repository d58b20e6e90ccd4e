import Annotations
import Foundation
import Imaging
import Scoring
import TesseraSupport
import Tiling

public struct ROIResult: Sendable, Codable, Equatable {
    public var id: String
    public var label: String?
    public var resolved: Bool
    public var fineFraction: Double
    public var droppedFraction: Double
    public var areaPx: Int
    /// Equivalent diameter, mm (√(4·area/π)·spacing).
    public var sizeMM: Double
    /// Contrast-to-noise ratio, for inserted lesions.
    public var cnr: Double?
    /// Whether the background-only baseline (every foreground cell at
    /// basePatch, background dropped) would resolve it: what the mask alone keeps.
    public var baselineResolved: Bool?
}

public struct CaseResult: Sendable, Codable, Equatable {
    public var id: String
    public var split: Split
    public var image: String
    public var tokens: Int
    public var uniformTokens: Int
    public var reduction: Double
    public var rois: [ROIResult]
    public var error: String?
    /// Body region the tokenizer found (header or image), and whether the
    /// image was outside the profile's calibrated distribution.
    public var region: String?
    public var conservative: Bool?
    /// Tokens of the background-only baseline: background dropped, every
    /// foreground cell at basePatch.
    public var baselineTokens: Int?
}

public struct SuiteReport: Sendable, Codable {
    public struct Summary: Sendable, Codable {
        public var cases: Int
        public var rois: Int
        public var resolved: Int
        public var skipped: [String]
        public var failedCases: [String]
        /// 1 − tokens / uniform tokens over all cases.
        public var reduction: Double
        public var passed: Bool
        /// Per body region, in BodyRegion order.
        public var regions: [RegionSummary]?
    }

    /// Recall and reduction of one body region's cases, next to the
    /// background-only baseline, with the conformal bound its calibration
    /// cases give the thresholds as shipped.
    public struct RegionSummary: Sendable, Codable {
        public var region: String
        public var cases: Int
        public var conservativeCases: Int
        public var rois: Int
        public var resolved: Int
        public var reduction: Double
        public var baselineReduction: Double
        /// ROIs the background-only baseline would resolve.
        public var baselineResolved: Int?
        /// Calibration-split cases with ROIs (n) and their mean skipped-ROI
        /// fraction R̂: conformal risk control for fixed thresholds gives
        /// E[skipped fraction of a new exchangeable case] ≤ (n·R̂ + 1)/(n + 1).
        public var calibrationCases: Int
        public var conformalBound: Double?
    }
    public var suite: String
    public var profile: String
    public var profileSHA256: String
    public var split: Split
    public var cases: [CaseResult]
    public var summary: Summary
}

public enum SuiteRunner {
    /// Tokenizes every case of the split (all, calibration or test) and
    /// applies the coverage rule to every ROI.
    /// `export`, when given, receives every case's tokenized image (lesions
    /// inserted) as it is evaluated; an error it throws fails that case.
    public static func run(_ suite: Suite, folder: String, profile: LoadedProfile, split: Split,
                           jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                           export: (@Sendable (PreparedCase, TokenizedImage) throws -> Void)? = nil) async -> SuiteReport {
        let cases = suite.cases.filter { split.includes($0.split) }
        let results = await boundedConcurrentMap(cases, limit: jobs) { c -> CaseResult in
            do {
                let prepared = try CasePreparation.prepare(c, suite: suite, folder: folder)
                let tokenized = Tokenizer.tokenize(prepared.plane, source: prepared.source, domain: prepared.domain, profile: profile)
                try export?(prepared, tokenized)
                return evaluate(prepared, tokenized: tokenized)
            } catch {
                return CaseResult(id: c.id, split: c.split, image: c.image, tokens: 0, uniformTokens: 0, reduction: 0,
                                  rois: [], error: describeError(error))
            }
        }
        let rois = results.flatMap(\.rois)
        let tokens = results.reduce(0) { $0 + $1.tokens }, uniform = results.reduce(0) { $0 + $1.uniformTokens }
        let skipped = results.flatMap { r in r.rois.filter { !$0.resolved }.map { "\(r.id)/\($0.id)" } }
        let failed = results.filter { $0.error != nil }.map(\.id)
        let regions = regionSummaries(results)
        return SuiteReport(suite: suite.name, profile: profile.profile.name, profileSHA256: profile.sha256, split: split,
                           cases: results,
                           summary: .init(cases: results.count, rois: rois.count, resolved: rois.filter(\.resolved).count,
                                          skipped: skipped, failedCases: failed,
                                          reduction: uniform > 0 ? 1 - Double(tokens) / Double(uniform) : 0,
                                          passed: skipped.isEmpty && failed.isEmpty && !results.isEmpty,
                                          regions: regions))
    }

    static func regionSummaries(_ results: [CaseResult]) -> [SuiteReport.RegionSummary] {
        let byRegion = Dictionary(grouping: results.filter { $0.error == nil }, by: { $0.region ?? "unknown" })
        return BodyRegion.allCases.compactMap { region -> SuiteReport.RegionSummary? in
            guard let cases = byRegion[region.rawValue] else { return nil }
            let rois = cases.flatMap(\.rois)
            let uniform = Double(cases.reduce(0) { $0 + $1.uniformTokens })
            let tokens = Double(cases.reduce(0) { $0 + $1.tokens })
            let baseline = Double(cases.reduce(0) { $0 + ($1.baselineTokens ?? $1.uniformTokens) })
            let calibration = cases.filter { $0.split == .calibration && !$0.rois.isEmpty }
            let risk = calibration.map { c in Double(c.rois.filter { !$0.resolved }.count) / Double(c.rois.count) }
            let n = Double(calibration.count)
            return .init(region: region.rawValue, cases: cases.count, conservativeCases: cases.filter { $0.conservative == true }.count,
                         rois: rois.count, resolved: rois.filter(\.resolved).count,
                         reduction: uniform > 0 ? 1 - tokens / uniform : 0, baselineReduction: uniform > 0 ? 1 - baseline / uniform : 0,
                         baselineResolved: rois.filter { $0.baselineResolved == true }.count,
                         calibrationCases: calibration.count,
                         conformalBound: calibration.isEmpty ? nil : (risk.reduce(0, +) + 1) / (n + 1))
        }
    }

    public static func evaluate(_ c: PreparedCase, profile: LoadedProfile) -> CaseResult {
        evaluate(c, tokenized: Tokenizer.tokenize(c.plane, source: c.source, domain: c.domain, profile: profile))
    }

    /// The coverage rule on every ROI of a case already tokenized.
    public static func evaluate(_ c: PreparedCase, tokenized: TokenizedImage) -> CaseResult {
        let map = tokenized.map
        let spacing = c.plane.spacingMM?.mean ?? CasePreparation.defaultSpacing(c.domain)
        let baseline = Coverage.baselineResolved(tokenized.scored, rois: c.rois)
        let rois = zip(zip(c.rois, Coverage.evaluate(map, rois: c.rois)), baseline).map { pair, inBaseline in
            let (roi, cov) = pair
            return ROIResult(id: roi.id, label: roi.label, resolved: cov.resolved, fineFraction: cov.fineFraction,
                             droppedFraction: cov.droppedFraction, areaPx: cov.area,
                             sizeMM: ((4 * Double(cov.area) / .pi).squareRoot() * spacing * 10).rounded() / 10,
                             cnr: c.lesions[roi.id].map { ($0.cnr * 10).rounded() / 10 }, baselineResolved: inBaseline)
        }
        return CaseResult(id: c.id, split: c.split, image: c.source.path, tokens: map.stats.tokenCount,
                          uniformTokens: map.stats.uniformTokenCount, reduction: map.stats.reduction, rois: rois, error: nil,
                          region: map.assessment?.region, conservative: map.assessment?.conservative,
                          baselineTokens: map.assessment?.foregroundCells)
    }
}

/// Text table and JUnit XML of a suite report.
public enum SuiteReportFormat {
    public static func table(_ r: SuiteReport) -> String {
        var lines = ["suite \(r.suite) [\(r.split.rawValue)], profile \(r.profile) (\(r.profileSHA256.prefix(12)))", ""]
        lines.append("case                              roi                        resolved  fine    dropped  size mm  CNR    reduction")
        for c in r.cases {
            if let e = c.error { lines.append("\(pad(c.id, 34))ERROR: \(e)"); continue }
            if c.rois.isEmpty { lines.append("\(pad(c.id, 34))\(pad("(no ROIs)", 27))\(String(repeating: " ", count: 41))\(pct(c.reduction))") }
            for (i, roi) in c.rois.enumerated() {
                lines.append(pad(i == 0 ? c.id : "", 34) + pad(roi.id, 27) + pad(roi.resolved ? "yes" : "SKIPPED", 10)
                             + pad(String(format: "%.3f", roi.fineFraction), 8) + pad(String(format: "%.3f", roi.droppedFraction), 9)
                             + pad(String(format: "%.1f", roi.sizeMM), 9) + pad(roi.cnr.map { String(format: "%.1f", $0) } ?? "-", 7)
                             + (i == 0 ? pct(c.reduction) : ""))
            }
        }
        let s = r.summary
        lines.append("")
        lines.append("\(s.cases) cases, \(s.resolved)/\(s.rois) ROIs resolved, token reduction \(pct(s.reduction))"
                     + (s.passed ? " — PASS" : " — FAIL"))
        if let regions = s.regions, !regions.isEmpty {
            lines.append("")
            lines.append("region     cases  conservative  ROIs resolved  reduction  background-only (resolved)  calibration n  conformal bound")
            for g in regions {
                lines.append(pad(g.region, 11) + pad(String(g.cases), 7) + pad(String(g.conservativeCases), 14)
                             + pad("\(g.resolved)/\(g.rois)", 15) + pad(pct(g.reduction), 11)
                             + pad(pct(g.baselineReduction) + (g.baselineResolved.map { " (\($0)/\(g.rois))" } ?? ""), 28)
                             + pad(String(g.calibrationCases), 15) + (g.conformalBound.map { String(format: "%.3f", $0) } ?? "-"))
            }
        }
        if !s.skipped.isEmpty { lines.append("skipped: " + s.skipped.joined(separator: ", ")) }
        if !s.failedCases.isEmpty { lines.append("cases that could not be evaluated: " + s.failedCases.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    public static func junit(_ r: SuiteReport) -> String {
        let tests = r.cases.reduce(0) { $0 + max($1.rois.count, $1.error == nil ? 0 : 1) }
        let failures = r.summary.skipped.count + r.summary.failedCases.count
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        x += "<testsuite name=\"\(escapeMarkup("tessera.validate.\(r.suite).\(r.split.rawValue)"))\" tests=\"\(tests)\" failures=\"\(failures)\">\n"
        for c in r.cases {
            if let e = c.error {
                x += "  <testcase classname=\"\(escapeMarkup(c.id))\" name=\"load\"><failure message=\"\(escapeMarkup(e))\"/></testcase>\n"
            }
            for roi in c.rois {
                x += "  <testcase classname=\"\(escapeMarkup(c.id))\" name=\"\(escapeMarkup(roi.id))\">"
                if !roi.resolved {
                    x += "<failure message=\"ROI skipped: fineFraction \(roi.fineFraction), droppedFraction \(roi.droppedFraction)\"/>"
                }
                x += "</testcase>\n"
            }
        }
        return x + "</testsuite>\n"
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s.padding(toLength: n, withPad: " ", startingAt: 0) }
    /// A share as a percentage with one decimal.
    public static func pct(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }
}
