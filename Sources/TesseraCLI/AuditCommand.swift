import ArgumentParser
import Audit
import Calibration
import FileOutput
import Foundation
import Imaging
import Scoring
import TesseraSupport

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Measure how a profile calibrated on one domain fails on another, and how robust each is.",
        discussion: """
            Runs every profile on every domain and writes DIR/audit.json (tessera.audit/1) and a \
            self-contained DIR/index.html (inline SVG charts, embedded heatmap thumbnails, no \
            network resources) with:
              - the profile × domain matrix of ROI resolution and token reduction, and the share \
                of foreground each profile calls healthy;
              - the foreign-profile comparisons, in words (also in audit.json "comparisons");
              - distribution shift between domains: per-feature and score histograms, \
                Kolmogorov–Smirnov and Wasserstein-1 distances;
              - every ROI skipped under a foreign profile, with heatmap thumbnails;
              - robustness probes on each profile's own domain: added noise (CT quarter-dose, \
                X-ray quantum-like), halved contrast, and adversarial flattening of each ROI \
                (texture removed, mean kept): recall without and with each.

            A profile on a foreign domain sees the image as such a pipeline is fed: through the \
            image's display window, in the profile's own intensity unit.

            PATH is a validation suite (folder with suite.json; its test split) or a folder of \
            images (ROIs from <stem>.rois.json beside them or in --rois NAME=FOLDER).

              tessera audit --domain xray=Validation/audit/xray --domain natural=Validation/audit/natural \\
                  --domain ct=Validation/audit/ct --output out/audit
            """
    )

    @Option(name: .customLong("domain"), help: "NAME=PATH, repeatable (e.g. xray=Validation/audit/xray).")
    var domains: [NamedPath] = []

    @Option(help: "Profiles, comma-separated: built-in names or profile JSON files (default: the built-in profiles of the domains).")
    var profiles: String?

    @Option(help: "NAME=FOLDER of tessera.rois/1 files for a folder-of-images domain, repeatable.")
    var rois: [NamedPath] = []

    @Option(help: "Suite split to audit: test, calibration or all.")
    var split = Split.test

    @Option(name: .shortAndLong, help: "Output folder DIR.")
    var output: String

    @OptionGroup var parallel: ParallelOptions

    func validate() throws {
        guard !domains.isEmpty else { throw ValidationError("give at least one --domain NAME=PATH") }
    }

    func run() async throws {
        let roiFolders = Dictionary(rois.map { ($0.name, $0.path) }, uniquingKeysWith: { _, b in b })
        let domains = self.domains.map { AuditDomain(name: $0.name, path: $0.path, roiFolder: roiFolders[$0.name]) }
        let names = profiles.map { $0.split(separator: ",").map(String.init) }
            ?? domains.compactMap { ImageDomain(rawValue: $0.name)?.rawValue }
        guard !names.isEmpty else {
            throw ValidationError("no --profiles given and no domain is named ct, xray or natural")
        }
        var runner = AuditRunner(domains: domains, profiles: try names.map { try Profile.load($0) }, output: output)
        runner.split = split
        runner.jobs = parallel.jobs
        let report = try await runner.run()
        try AtomicWrite.write(Array(try JSONEncoder.tessera().encode(report)) + [10], to: output + "/audit.json")
        var thumbnails: [String: String] = [:]
        for t in Set(report.worstCases.compactMap(\.thumbnail)) {
            thumbnails[t] = try Data(contentsOf: URL(fileURLWithPath: output + "/" + t)).base64EncodedString()
        }
        try AtomicWrite.write(AuditHTML.render(report, thumbnails: thumbnails), to: output + "/index.html")
        for c in report.comparisons { print(c.statement) }
        for p in report.probes where p.resolvedPerturbed < p.rois {
            print("probe \(p.probe): \(p.profile) on \(p.domain) resolves \(p.resolvedPerturbed)/\(p.rois) (without: \(p.resolvedBaseline)/\(p.rois))")
        }
        for d in report.domains where !d.failedCases.isEmpty {
            FileHandle.standardError.write(Data("\(d.name): \(d.failedCases.count) case(s) could not be evaluated\n".utf8))
        }
        print("audit: \(output)/audit.json, \(output)/index.html")
    }
}
