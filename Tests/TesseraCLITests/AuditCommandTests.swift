import Foundation
import Testing
import TestSupport

/// `tessera audit` on the shipped X-ray and photograph sets, and its page in
/// headless Chromium with the network cut off.
@Suite(.serialized) struct AuditCommandTests {
    struct Cell: Decodable { var profile: String; var domain: String; var foreign: Bool; var rois: Int; var resolved: Int; var recall: Double?; var reduction: Double }
    struct Comparison: Decodable { var domain: String; var ownProfile: String; var foreignProfile: String; var own: Cell; var foreign: Cell; var statement: String }
    struct ProbeResult: Decodable { var profile: String; var domain: String; var probe: String; var rois: Int; var resolvedBaseline: Int; var resolvedPerturbed: Int }
    struct Distance: Decodable { var feature: String; var ks: Double; var wasserstein: Double }
    struct Shift: Decodable { var profile: String; var domainA: String; var domainB: String; var features: [Distance] }
    struct Skipped: Decodable { var profile: String; var domain: String; var foreign: Bool; var thumbnail: String? }
    struct Report: Decodable {
        var schema: String; var matrix: [Cell]; var comparisons: [Comparison]; var probes: [ProbeResult]; var shift: [Shift]
        var worstCases: [Skipped]
    }

    /// One audit run (a minute in a debug build), checked twice: its JSON and its page.
    @Test(.enabled(if: Reference.hasFullCorpus, "needs ../shared/data: the Validation/audit sets name their images by paths into it"))
    func auditOfTheShippedSets() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        // The domain names are free: own and foreign follow what the images are.
        let r = try CLI.run(["audit", "--domain", "chest=Validation/audit/xray", "--domain", "photos=Validation/audit/natural",
                             "--profiles", "xray,natural", "--output", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("On chest: the natural profile resolves"), "\(r.stdout)")
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: output.appendingPathComponent("audit.json")))
        try checkJSON(report, output)
        try checkPage(output)
    }

    func checkJSON(_ report: Report, _ output: URL) throws {
        #expect(report.schema == "tessera.audit/1")
        #expect(report.matrix.count == 4, "2 profiles × 2 domains")
        let xray = try #require(report.matrix.first { $0.profile == "xray" && $0.domain == "chest" })
        #expect(!xray.foreign && xray.rois == 30 && xray.resolved == 30, "the shipped xray suite result")
        // The seed's warning, quantified in both directions.
        let natOnXray = try #require(report.comparisons.first { $0.domain == "chest" && $0.foreignProfile == "natural" })
        let xrayOnNat = try #require(report.comparisons.first { $0.domain == "photos" && $0.foreignProfile == "xray" })
        for c in [natOnXray, xrayOnNat] {
            #expect(c.foreign.foreign && !c.own.foreign && c.foreign.rois == c.own.rois && c.own.rois > 0)
            #expect(c.statement.contains("resolves") && c.statement.contains("token reduction"))
        }
        #expect(natOnXray.own.resolved == 30)
        #expect(natOnXray.foreign.resolved < natOnXray.own.resolved, "a photo-calibrated profile misses radiograph lesions")
        // Distribution shift: the two domains' features differ measurably.
        let shift = try #require(report.shift.first { $0.profile == "xray" && $0.domainA == "chest" && $0.domainB == "photos" })
        #expect(shift.features.count == 6 && shift.features.contains { $0.ks > 0.1 })
        #expect(shift.features.allSatisfy { (0...1).contains($0.ks) && $0.wasserstein >= 0 })
        // Every probe on each profile's own domain, with recall without and with.
        for (profile, domain) in [("xray", "chest"), ("natural", "photos")] {
            let probes = report.probes.filter { $0.profile == profile }
            #expect(Set(probes.map(\.probe)) == ["noise", "contrast", "flatten"])
            #expect(probes.allSatisfy { $0.domain == domain && $0.rois > 0 && $0.resolvedPerturbed <= $0.rois })
        }
        // Foreign skips come with heatmap thumbnails.
        let foreign = report.worstCases.filter(\.foreign)
        #expect(!foreign.isEmpty && foreign.allSatisfy { $0.thumbnail != nil })
        for t in Set(foreign.compactMap(\.thumbnail)) {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(t).path))
        }
    }

    /// The page is self-contained: no external reference, and Chromium with
    /// every host unresolvable renders the matrix, the charts and the thumbnails.
    func checkPage(_ output: URL) throws {
        let page = output.appendingPathComponent("index.html")
        let html = try String(contentsOf: page, encoding: .utf8)
        for external in ["src=\"http", "href=\"http", "url(http", "src=\"//", "<script", "<link"] {
            #expect(!html.contains(external), "external resource: \(external)")
        }
        let offline = ["--headless=new", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
                       "--proxy-server=127.0.0.1:9", "--user-data-dir=" + output.appendingPathComponent("chromium").path]
        let dom = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"),
                              ["chromium"] + offline + ["--dump-dom", page.absoluteString])
        #expect(dom.status == 0, "\(dom.stderr.suffix(500))")
        #expect(dom.stdout.contains("id=\"matrix-table\"") && dom.stdout.contains("id=\"probe-table\""))
        // Two bar charts per domain, six histograms per profile, one probe chart per profile.
        #expect(dom.stdout.components(separatedBy: "<svg").count - 1 == 2 * 2 + 6 * 2 + 2, "bar charts and histograms")
        #expect(dom.stdout.contains("<polyline") && dom.stdout.contains("data:image/png;base64,"))
        let shot = output.appendingPathComponent("shot.png")
        let s = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/env"),
                            ["chromium"] + offline + ["--window-size=1280,1600", "--screenshot=" + shot.path, page.absoluteString])
        #expect(s.status == 0)
        let png = try Data(contentsOf: shot)
        #expect(png.count > 50_000, "a rendered page, not a blank one (\(png.count) bytes)")
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
    }
}
