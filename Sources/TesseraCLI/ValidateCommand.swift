import Annotations
import ArgumentParser
import Calibration
import FileOutput
import Foundation
import TesseraSupport
import Tiling
import Scoring

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Tokenize every case of a suite and check that no ROI was coarsened or dropped.",
        discussion: """
            A suite (Validation/<name>/suite.json) lists real images, their annotations \
            (tessera.rois/1 JSON, LIDC XML, RTSTRUCT, DICOM SEG or PNG masks) and synthetic \
            lesions to insert. Every ROI is checked with the coverage rule: resolved when \
            every pixel lies in a finest (basePatch) token. The table shows, per ROI, the fine \
            and dropped fractions, its size and contrast-to-noise ratio, and per case and suite \
            the token reduction. Exit status 1 when any ROI is skipped or a case cannot be read.

              tessera validate Validation/ct
              tessera validate Validation/xray --split all --report xray.json --junit xray.xml
            """
    )

    @Argument(help: "Suite folder or suite.json.")
    var suite: String

    @Option(help: "Profile: the suite's built-in domain profile by default, or a name or file.")
    var profile: String?

    @Option(help: "Which cases: test, calibration or all.")
    var split = Split.test

    @Option(help: "Write the full report as JSON.")
    var report: String?

    @Option(help: "Write a JUnit XML report (one test per ROI).")
    var junit: String?

    @Option(help: ArgumentHelp("Also write every case's tokens, lesions inserted, as DIR/<case>.tokens.safetensors, and DIR/cases.csv.",
                               discussion: "cases.csv: path, case, image, frame, split, lesions (the inserted or annotated ROIs), tokens per row: labelled data for a model (tessera_torch.TesseraDataset reads it)."))
    var export: String?

    @OptionGroup var parallel: ParallelOptions

    func run() async throws {
        let (s, folder) = try Suite.load(suite)
        let loaded = try Profile.load(profile ?? s.domain)
        var writer: (@Sendable (PreparedCase, TokenizedImage) throws -> Void)?
        if let dir = export { writer = { c, tokenized in try Self.writeCase(c, tokenized, to: dir) } }
        let result = await SuiteRunner.run(s, folder: folder, profile: loaded, split: split, jobs: parallel.jobs, export: writer)
        if let export {
            var csv = "path,case,image,frame,split,lesions,tokens\n"
            let byID = Dictionary(s.cases.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for c in result.cases where c.error == nil {
                let fields = [Self.tensorName(c.id), c.id, c.image,
                              String(byID[c.id]?.frame ?? 0), c.split.rawValue, String(c.rois.count), String(c.tokens)]
                csv += fields.map(csvField).joined(separator: ",") + "\n"
            }
            try AtomicWrite.write(csv, to: export + "/cases.csv")
        }
        print(SuiteReportFormat.table(result))
        if let report { try AtomicWrite.write(try encodeJSON(result) + "\n", to: report) }
        if let junit { try AtomicWrite.write(SuiteReportFormat.junit(result), to: junit) }
        if !result.summary.passed { throw ExitCode(1) }
    }

    static func tensorName(_ caseID: String) -> String { safeFileNameComponent(caseID, fallback: "case") + ".tokens.safetensors" }

    @Sendable static func writeCase(_ c: PreparedCase, _ tokenized: TokenizedImage, to dir: String) throws {
        try AtomicWrite.write(TokenTensors.safetensors(tokenized), to: dir + "/" + tensorName(c.id))
    }
}
