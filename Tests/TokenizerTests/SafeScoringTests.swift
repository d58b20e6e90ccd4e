import Calibration
import Foundation
import Imaging
import Scoring
import Testing
import TestSupport
import Tiling

/// The fail-safe default on real images beyond the lung: what the scorer
/// cannot prove healthy stays at basePatch, and images outside a profile's
/// calibrated distribution are tokenized conservatively, saying why.
@Suite struct SafeScoringTests {
    static let conformance = TestData.shared + "/conformance"

    static func tokenize(_ path: String, profile: String? = nil) throws -> TokenMap {
        let loader = try ImageLoader(path: path)
        let loaded = try profile.map { try Profile.load($0) } ?? Profile.builtIn(for: loader.domain)
        return Tokenizer.tokenize(try loader.plane(frame: 0), source: loader.source(frame: 0), domain: loader.domain,
                                  profile: loaded).map
    }

    /// Tokens coarser than basePatch whose region holds tissue (HU ≥ −200
    /// at the token's own pyramid level: its `max` feature is not air).
    static func coarseTissueTokens(_ map: TokenMap) -> [TokenMap.Token] {
        map.tokens.filter { $0.level > 0 && ($0.features?[4] ?? 1) > 0.57 }  // 0.57 = −200 HU in the −1000…400 window
    }

    @Test func mrAndUltrasoundAreTokenizedConservatively() throws {
        for (file, modality) in [("compressed/emri_small_RLE.dcm", "MR"), ("compressed/US1_J2KI.dcm", "US")] {
            let map = try Self.tokenize(TestData.samples + "/" + file)
            let a = try #require(map.assessment)
            #expect(a.conservative, "\(file) not conservative")
            #expect(a.reasons.contains { $0.contains("modality \(modality)") }, "\(file): \(a.reasons)")
            // Conservative: nothing coarser than basePatch.
            #expect(map.tokens.allSatisfy { $0.level == 0 }, "\(file) has coarse tokens")
            #expect(TokenMapJSON.encode(map).contains("\"conservative\": true"))
        }
    }

    @Test func aForcedProfileIsStillGuarded() throws {
        // The CT profile forced onto an MR image: the guard still applies.
        let map = try Self.tokenize(TestData.samples + "/compressed/emri_small_RLE.dcm", profile: "ct")
        #expect(map.assessment?.conservative == true)
        #expect(map.tokens.allSatisfy { $0.level == 0 })
    }

    @Test func calibratedChestCTIsNotConservative() throws {
        let map = try Self.tokenize(TestData.samples + "/ct/lidc-idri-0001/000071.dcm")
        let a = try #require(map.assessment)
        #expect(!a.conservative, "\(a.reasons)")
        #expect(a.region == "chest")
        #expect(a.noiseSigma > 0)
    }

    /// The 693 head slice's brain (with its hypodense region) stays at
    /// basePatch: no coarse token covers tissue.
    @Test(.enabled(if: Reference.has("conformance/693_UNCR.dcm"), "needs conformance/693_UNCR.dcm (the 693 head CT)"))
    func headCTKeepsTheBrainFine() throws {
        let map = try Self.tokenize(Self.conformance + "/693_UNCR.dcm")
        #expect(map.assessment?.region == "head", "\(map.assessment?.regionReason ?? "")")
        let coarse = Self.coarseTissueTokens(map)
        #expect(coarse.isEmpty, "\(coarse.count) coarse tokens over tissue, first at \(coarse.first.map { "\($0.x),\($0.y)" } ?? "")")
    }

    /// Neck (not calibrated: conservative) and pancreas (abdomen) slices:
    /// every tissue token at basePatch.
    @Test(.enabled(if: Reference.has("conformance/bad_sequence.dcm", "conformance/explicit_VR-UN.dcm"), "needs the conformance CT slices"),
          arguments: [("bad_sequence.dcm", "neck", true), ("explicit_VR-UN.dcm", "abdomen", false)])
    func neckAndPancreasSlicesStayFine(file: String, region: String, conservative: Bool) throws {
        let map = try Self.tokenize(Self.conformance + "/" + file)
        let a = try #require(map.assessment)
        #expect(a.region == region, "\(a.regionReason)")
        #expect(a.conservative == conservative, "\(a.reasons)")
        #expect(Self.coarseTissueTokens(map).isEmpty)
    }

    /// IBSI STS_001: the real sarcoma, outlined by its RTSTRUCT on 31 slices,
    /// is resolved on every one (it used to be one 256 px token).
    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: the Validation/ct-regions suite names its images by paths into it"))
    func ibsiSarcomaIsResolvedOnEverySlice() async throws {
        let (suite, folder) = try Suite.load(TestData.repo.appendingPathComponent("Validation/ct-regions").path)
        var real = suite
        real.cases = suite.cases.filter { $0.rois?.contains { $0.kind == .rtstruct } == true }
        #expect(real.cases.count == 31)
        let report = await SuiteRunner.run(real, folder: folder, profile: try Profile.load("ct"), split: .all)
        #expect(report.summary.rois == 31)
        #expect(report.summary.skipped.isEmpty, "skipped: \(report.summary.skipped)")
        #expect(report.cases.allSatisfy { $0.region == "extremity" })
    }

    @Test func regionComesFromTheHeaderFirst() {
        #expect(BodyRegion.fromText("CT HEAD W/O") == .head)
        #expect(BodyRegion.fromText("HEAD NECK") == .neck)
        #expect(BodyRegion.fromText("PANCREAS") == .abdomen)
        #expect(BodyRegion.fromText("CHEST ABDOMEN PELVIS") == nil)  // several regions: every window applies
        let source = ImageSourceInfo(path: "x", sopInstanceUID: nil, frame: 0, modality: "MG", isPhotograph: false)
        let plane = ImagePlane(rows: 4, columns: 4, values: [Float](repeating: 0, count: 16))
        #expect(BodyRegion.detect(source, plane: plane, domain: .xray).region == .breast)
    }
}
