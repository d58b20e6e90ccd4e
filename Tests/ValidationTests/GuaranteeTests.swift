import Foundation
import Imaging
import Scoring
import TesseraSupport
import Testing
import TestSupport
@testable import Annotations
@testable import Calibration

@Suite(.serialized) struct GuaranteeTests {
    static func prepared(_ suite: String) throws -> [PreparedCase] {
        let (s, folder) = try Suite.load(TestData.validation + "/" + suite)
        return try s.cases.map { try CasePreparation.prepare($0, suite: s, folder: folder) }
    }

    /// Conformal risk control, checked empirically: over many random
    /// calibration/test splits of a suite (all its cases), the mean
    /// skipped-ROI fraction on the test halves stays within α (plus sampling error).
    /// This checks the threshold procedure on the shipped scorer's scores, not
    /// how good the scorer is (that is `shippedProfilesPassTheirSuites`).
    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: the ct and xray suites name their images by paths into it"),
          arguments: [("ct", ImageDomain.ct, 60), ("xray", .xray, 45)])
    func conformalBoundHoldsOverRandomSplits(suite: String, domain: ImageDomain, minimumCases: Int) throws {
        let profile = try Profile.builtIn(for: domain).profile
        let cases = try Self.prepared(suite).map { CalibrationCase($0, profile: profile) }.filter { !$0.roiCells.isEmpty }
        let critical = cases.map { $0.criticalThresholds(scores: DensityScorer.logits($0.features, weights: profile.weights),
                                                         dilation: profile.safetyDilationCells) }
        #expect(critical.count >= minimumCases)
        let alpha = 0.1
        var rng = SplitMix64(seed: 99)
        var losses: [Double] = []
        for _ in 0..<200 {
            let order = Array(critical.indices).shuffled(using: &rng)
            let calibration = order.prefix(order.count / 2).map { critical[$0] }
            let test = order.dropFirst(order.count / 2).map { critical[$0] }
            let result = ConformalRiskControl.calibrate(critical: calibration, alpha: alpha)
            let tau = try #require(result.threshold)
            let loss = test.reduce(0) { $0 + Double($1.filter { $0 < tau }.count) / Double($1.count) } / Double(test.count)
            losses.append(loss)
        }
        let mean = losses.reduce(0, +) / Double(losses.count)
        print("conformal check \(suite): α = \(alpha), mean test skipped-ROI fraction \(mean) over \(losses.count) splits")
        #expect(mean <= alpha + 0.02)
        #expect(mean > 0, "the check must be able to fail: some splits do skip ROIs at this α")
    }

    @Test func crcPicksTheLargestFeasibleThreshold() {
        // Two cases, one ROI each: critical thresholds 0.3 and 0.8.
        let loose = ConformalRiskControl.calibrate(critical: [[0.3], [0.8]], alpha: 0.9)
        #expect(loose.threshold == 0.8)   // (2/3)·0.5 + 1/3 = 0.667 ≤ 0.9
        let strict = ConformalRiskControl.calibrate(critical: [[0.3], [0.8]], alpha: 0.5)
        #expect(strict.threshold == 0.3)  // at 0.8 the bound is 0.667 > 0.5
        let impossible = ConformalRiskControl.calibrate(critical: [[0.3], [0.8]], alpha: 0.2)
        #expect(impossible.threshold == nil)  // α < 1/(n+1)
    }

    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: the ct and xray suites name their images by paths into it"))
    func shippedProfilesPassTheirSuites() async throws {
        // The homogeneity certificate keeps nearly all CT anatomy fine: the
        // CT reduction is the background-only baseline's (50.2%). Radiographs
        // are all conservative (no region certified): background only, 21%.
        for (suite, minimumReduction) in [("ct", 0.45), ("xray", 0.18)] {
            let (s, folder) = try Suite.load(TestData.validation + "/" + suite)
            let report = await SuiteRunner.run(s, folder: folder, profile: try Profile.load(s.domain), split: .test)
            #expect(report.summary.passed, "\(suite): \(report.summary.skipped)")
            #expect(report.summary.resolved == report.summary.rois && report.summary.rois >= 30)
            #expect(report.summary.reduction >= minimumReduction, "\(suite): reduction \(report.summary.reduction)")
            let conservative = report.cases.filter { $0.conservative == true }.count
            #expect(suite == "xray" ? conservative == report.cases.count : conservative == 0, "\(suite): \(conservative) conservative")
            print("validate \(suite) [test]: \(report.summary.resolved)/\(report.summary.rois) resolved, reduction \(report.summary.reduction)")
        }
    }

    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: the Validation/ct suite names its images by paths into it"))
    func weakenedProfileFailsAndNamesTheSkippedROIs() async throws {
        var weak = try Profile.builtIn(for: .ct)
        var p = weak.profile.withoutCertificate()  // the fail-safe would keep them
        p.safetyThreshold = 0.999
        p.thresholds = p.thresholds.map { _ in 0.999 }
        weak = LoadedProfile(profile: p, sha256: "weakened", source: "test")
        let (s, folder) = try Suite.load(TestData.validation + "/ct")
        let report = await SuiteRunner.run(s, folder: folder, profile: weak, split: .test)
        #expect(!report.summary.passed)
        #expect(report.summary.skipped.count > 10)
        #expect(report.summary.skipped.allSatisfy { $0.contains("/") })
        #expect(SuiteReportFormat.table(report).contains("SKIPPED"))
        #expect(SuiteReportFormat.junit(report).contains("<failure message=\"ROI skipped"))
    }

    @Test func insertedLesionsAreDeterministicAndInsideTheAnatomy() throws {
        let loader = try ImageLoader(path: TestData.samples + "/ct/lidc-idri-0001/000071.dcm")
        let plane = try loader.plane(frame: 0)
        let a = try LesionPlanner.plan(plane, domain: .ct, count: 4, seed: 5, idPrefix: "x", lungOnly: true)
        let b = try LesionPlanner.plan(plane, domain: .ct, count: 4, seed: 5, idPrefix: "x", lungOnly: true)
        #expect(a == b && a.count == 4)
        #expect(Set(a.map(\.shape)).count == 4)
        #expect(a.allSatisfy { (3...30).contains($0.diameterMM) && $0.contrast > 0 })
        let inserted = LesionInserter.insert(a, into: plane, spacingMM: 0.703125)
        // CNR from 5 up, except where the 600 HU cap binds (very textured lung).
        #expect(inserted.records.allSatisfy { ($0.cnr >= 4.9 || abs($0.contrast) >= 600) && $0.areaPx > 0 })
        for (spec, roi) in zip(a, inserted.rois) {
            // Centre pixel got the full contrast.
            let i = Int(spec.cy) * 512 + Int(spec.cx)
            #expect(abs(Double(inserted.plane.values[i] - plane.values[i]) - spec.contrast) < spec.contrast * 0.45 + 1)
            #expect(roi.pixels(rows: 512, columns: 512).contains(i))
        }
    }

    /// A calcification cluster on a real mammogram: 5–15 dense specks, all
    /// inside the cluster's outline (the ROI), which lies in the breast; the
    /// contrast is the asked share of the image's range. The background-only
    /// baseline keeps it (it lies in the foreground) and would drop an ROI
    /// placed in the blanked film border.
    @Test func calcificationClustersLieInTheirOutline() throws {
        let loader = try ImageLoader(path: TestData.samples + "/mg/sfm-benign-0_1-130.dcm")
        let plane = try loader.plane(frame: 0)
        let specs = try LesionPlanner.plan(plane, domain: .xray, count: 3, seed: 7, idPrefix: "c",
                                           contrastFraction: 0.04...0.15, shapes: [.calcificationCluster])
        #expect(specs.count == 3 && specs.allSatisfy { $0.shape == .calcificationCluster && $0.contrast > 0 })
        #expect(specs.allSatisfy { (3...15).contains($0.diameterMM) })
        let inserted = LesionInserter.insert(specs, into: plane, spacingMM: 0.1)
        let cols = plane.columns
        for (spec, roi) in zip(specs, inserted.rois) {
            let pixels = Set(roi.pixels(rows: plane.rows, columns: cols))
            // Pixels the cluster changed, and how many specks (changed runs) there are.
            let changed = (0..<plane.values.count).filter { inserted.plane.values[$0] != plane.values[$0] }
            // Specks reach at most 0.8 R + 3.5 px from the centre.
            let mine = changed.filter { hypot(Double($0 % cols) - spec.cx, Double($0 / cols) - spec.cy) <= spec.diameterMM / 0.2 + 4 }
            #expect(!mine.isEmpty && mine.allSatisfy { pixels.contains($0) }, "\(spec.id): a speck outside its outline")
            #expect(pixels.count > mine.count, "\(spec.id): the outline is the cluster's region, not its specks")
            #expect(mine.map { inserted.plane.values[$0] - plane.values[$0] }.max()! >= Float(spec.contrast) * 0.99)
        }
        let profile = try Profile.builtIn(for: .xray)
        let scored = DensityScorer.score(plane, domain: .xray, profile: profile.profile, cellSize: 16)
        #expect(Coverage.baselineResolved(scored, rois: inserted.rois).allSatisfy { $0 })
        let corner = ROI.fromPixels(id: "border", label: nil, pixels: [1100 * cols + 1000], columns: cols)  // blanked film, right of the breast
        #expect(Coverage.baselineResolved(scored, rois: [corner]) == [false])
    }
}
