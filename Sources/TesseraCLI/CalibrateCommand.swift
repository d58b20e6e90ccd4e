import Annotations
import ArgumentParser
import Calibration
import FileOutput
import Foundation
import Imaging
import Scoring
import TesseraSupport

struct CalibrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a profile on annotated cases with a conformal recall guarantee.",
        discussion: """
            Uses the calibration split of the suites. Weights are fitted by a seeded random \
            search that maximises token reduction; for every candidate the safety threshold is \
            chosen by conformal risk control, so that the expected fraction of skipped ROIs on \
            a new exchangeable case is at most α (needs α ≥ 1/(n+1) for n calibration cases), \
            then lowered by --margin logit units for numerical headroom (which only adds \
            recall). The profile records α, n, the bound, the calibration risk, the \
            recall-vs-reduction curve and this command.

              tessera calibrate --domain ct Validation/ct --alpha 0.05 --output Sources/Scoring/Profiles/ct.json
            """
    )

    @Option(help: "The profile's domain.")
    var domain: ImageDomain

    @Argument(help: "Suite folders (their calibration split is used).")
    var suites: [String]

    @Option(help: "Target expected skipped-ROI fraction.")
    var alpha = 0.05

    @Option(help: "Profile to start from (default: the domain's built-in).")
    var start: String?

    @Flag(help: "Start the search from a class-balanced logistic regression of ROI cells (instead of the start profile's weights).")
    var logistic = false

    @Option(help: "Random-search iterations.")
    var iterations = 300

    @Option(help: "Safety margin below the conformal threshold, in logit units (≥ 0 keeps the guarantee).")
    var margin = 0.25

    @Option(name: .shortAndLong, help: "Where to write the fitted profile.")
    var output: String

    @OptionGroup var parallel: ParallelOptions

    func run() async throws {
        let d = domain
        let startProfile = try Profile.load(start ?? d.rawValue).profile
        var work: [(Suite, String, SuiteCase)] = []
        for path in suites {
            let (s, folder) = try Suite.load(path)
            work += s.cases.filter { $0.split == .calibration }.map { (s, folder, $0) }
        }
        let items = work
        let prepared = await boundedConcurrentMap(items.indices.map { $0 }, limit: parallel.jobs) { i -> Result<CalibrationCase, Error> in
            let (s, folder, c) = items[i]
            return Result { CalibrationCase(try CasePreparation.prepare(c, suite: s, folder: folder), profile: startProfile) }
        }
        let cases = try prepared.map { try $0.get() }
        let rois = cases.reduce(0) { $0 + $1.roiCells.count }
        print("calibrating \(d.rawValue) on \(cases.count) case(s), \(rois) ROI(s), α = \(alpha)")
        // Half the calibration cases choose the weights, the other half set the
        // conformal threshold: the guarantee holds for weights fixed before it.
        let fitting = cases.filter { stableHash($0.id) % 2 == 0 }, conformal = cases.filter { stableHash($0.id) % 2 == 1 }
        print("  \(fitting.count) case(s) fit the weights, \(conformal.count) set the conformal threshold")
        // Conformal risk control can promise α only from α ≥ 1/(n+1): below
        // that no threshold exists, and a profile would be written in vain.
        let n = conformal.filter { !$0.roiCells.isEmpty }.count
        guard alpha >= 1 / Double(n + 1) else {
            throw ValidationError("--alpha \(alpha) is infeasible: \(n) calibration case(s) with ROIs set the threshold, and "
                + "conformal risk control needs α ≥ 1/(n+1) = \(String(format: "%.4f", 1 / Double(n + 1))); "
                + "raise --alpha or add calibration cases")
        }
        let outcome = Calibrator(alpha: alpha, marginLogit: margin, iterations: iterations)
            .fit(fitting: fitting, conformal: conformal, start: startProfile, logisticStart: logistic)
        guard outcome.conformal.threshold != nil else {
            throw ValidationError("--alpha \(alpha) is infeasible on these cases (\(outcome.conformal.bound)); no profile written")
        }
        var profile = outcome.profile
        profile.version = startProfile.version + 1
        let command = "tessera calibrate --domain \(domain) \(suites.joined(separator: " "))"
            + (start.map { " --start \($0)" } ?? "")
            + " --alpha \(alpha) --iterations \(iterations) --margin \(margin)\(logistic ? " --logistic" : "") --output \(output)"
        let curve: [[Double]] = outcome.curve.map { p in [p.threshold, round4(p.recall), round4(p.reduction)] }
        let c = outcome.conformal
        profile.calibration = CalibrationRecord(
            alpha: alpha, calibrationCases: c.calibrationCases, calibrationROIs: conformal.reduce(0) { $0 + $1.roiCells.count },
            conformalThreshold: c.threshold, marginLogit: margin, empiricalRisk: c.empiricalRisk,
            bound: c.bound, calibrationReduction: round4(outcome.calibrationReduction),
            curve: curve, command: command, suites: suites)
        profile.description = "\(d.rawValue) profile fitted by tessera calibrate (conformal risk control, α = \(alpha))."
        // Other provenance (hand-made structural choices) carries over from the start profile.
        profile.provenance = (startProfile.provenance ?? [:]).merging(["command": command]) { $1 }
        // Keep the codebook when there is one: codes describe tokens, not the threshold.
        try AtomicWrite.write(Array((try encodeJSON(profile) + "\n").utf8), to: output)
        print(outcome.conformal.bound)
        print(String(format: "conformal threshold %@ (logit, before a %.2f margin); calibration risk %.4f; reduction %.1f%%",
                     outcome.conformal.threshold.map { String(format: "%.4f", $0) } ?? "infeasible", margin,
                     outcome.conformal.empiricalRisk, outcome.calibrationReduction * 100))
        print("recall vs reduction (calibration split):")
        for p in outcome.curve {
            print(String(format: "  threshold %.4f  recall %.4f  reduction %.4f%@", p.threshold, p.recall, p.reduction,
                         p.threshold == Calibrator.canonicalThreshold ? "   ← chosen" : ""))
        }
        print("ROIs that set the threshold (share of their image's foreground cells scoring at least as high):")
        for h in Calibrator(alpha: alpha).hardest(conformal, weights: outcome.profile.weights, dilation: startProfile.safetyDilationCells, count: 8) {
            print(String(format: "  %-40@ %.3f", h.id as NSString, h.share))
        }
        print("→ \(output)")
    }
}

