import Annotations
import Foundation
import TesseraSupport

/// The audit as one self-contained HTML page: inline CSS and SVG, thumbnails
/// as data: URIs, no script and no network resource. Pure: `thumbnails`
/// maps a report's thumbnail path to its PNG bytes, base64-encoded.
public enum AuditHTML {
    static let domainColours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"]
    /// Heatmaps embedded per profile × domain (the rest stay in thumbnails/).
    static let maxThumbnailsPerGroup = 6

    public static func render(_ r: AuditReport, thumbnails: [String: String]) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>Tessera domain-generalization audit</title>
            <style>
            body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
            h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
            table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
            th { background: #f3f3f3; } td.l, th.l { text-align: left; }
            .foreign { font-style: italic; } .bad { color: #b00020; font-weight: 600; }
            .charts { display: flex; flex-wrap: wrap; gap: 12px; } figure { margin: 0; font-size: 12px; }
            .thumbs figure { width: 228px; } .thumbs img { width: 224px; border: 1px solid #999; }
            .legend span { display: inline-block; margin-right: 14px; } .swatch { width: 12px; height: 12px; display: inline-block; margin-right: 4px; vertical-align: middle; }
            </style></head><body>
            <h1>Tessera domain-generalization audit</h1>
            <p>Every profile tokenized every domain's cases; a profile on its own domain runs as shipped (scorer, homogeneity certificate, distribution guard); a profile on a foreign domain runs as a pipeline with only that calibrated scorer would, and sees the image the way such a pipeline is fed (through the image's display window, in the profile's own intensity unit). An ROI is <em>resolved</em> when all its pixels lie in finest tokens.</p>

            """
        h += "<p>Profiles: " + r.profiles.map { "<b>\(esc($0.name))</b> (\(esc($0.domain)), sha256 \($0.sha256.prefix(12)))" }.joined(separator: ", ")
            + ". Domains: " + r.domains.map { "<b>\(esc($0.name))</b> — \($0.cases) cases, \($0.rois) ROIs, from <code>\(esc($0.source))</code>" }.joined(separator: "; ") + ".</p>\n"
        for d in r.domains where !d.failedCases.isEmpty {
            h += "<p class=\"bad\">\(esc(d.name)): cases that could not be evaluated: " + d.failedCases.map(esc).joined(separator: "; ") + "</p>\n"
        }
        h += matrix(r) + comparisons(r) + shift(r) + worst(r, thumbnails) + probes(r)
        return h + "</body></html>\n"
    }

    static func matrix(_ r: AuditReport) -> String {
        let domains = r.domains.map(\.name)
        var h = "<h2 id=\"matrix\">Profile × domain: ROI resolution and token reduction</h2>\n<table id=\"matrix-table\"><tr><th class=\"l\">profile \\ domain</th>"
        h += domains.map { "<th>\(esc($0))</th>" }.joined() + "</tr>\n"
        for p in r.profiles {
            h += "<tr><th class=\"l\">\(esc(p.name))</th>"
            for d in domains {
                guard let c = r.matrix.first(where: { $0.profile == p.name && $0.domain == d }) else { h += "<td></td>"; continue }
                let recall = c.recall.map { "resolved \(c.resolved)/\(c.rois) (" + pct($0) + ")" } ?? "no ROIs"
                let colour = c.recall.map { "background: hsl(\(Int($0 * 120)), 70%, 88%)" } ?? ""
                h += "<td style=\"\(colour)\" class=\"\(c.foreign ? "foreign" : "")\">\(recall)<br>reduction " + pct(c.reduction)
                    + "<br>healthy " + pct(c.healthyShare) + "</td>"
            }
            h += "</tr>\n"
        }
        h += "</table><p>Italic: the profile is foreign to the domain. <em>Healthy</em>: share of foreground cells the calibrated score puts at or below the profile's first split threshold (the certificate may still keep them fine).</p>\n"
        // Grouped bars: recall and reduction per domain and profile.
        h += "<div class=\"charts\">"
        for d in domains {
            let cells = r.profiles.compactMap { p in r.matrix.first { $0.profile == p.name && $0.domain == d } }
            h += barChart(title: "\(d): recall (solid) and reduction (light)", labels: cells.map(\.profile),
                          series: [cells.map { $0.recall ?? 0 }, cells.map(\.reduction)], colours: ["#1f77b4", "#aec7e8"])
            h += barChart(title: "\(d): share of foreground called healthy", labels: cells.map(\.profile),
                          series: [cells.map(\.healthyShare)], colours: ["#2ca02c"])
        }
        return h + "</div>\n"
    }

    static func comparisons(_ r: AuditReport) -> String {
        guard !r.comparisons.isEmpty else { return "" }
        return "<h2 id=\"comparisons\">Foreign profile vs own profile</h2>\n<ul>"
            + r.comparisons.map { "<li>\(esc($0.statement))</li>" }.joined() + "</ul>\n"
    }

    static func shift(_ r: AuditReport) -> String {
        var h = "<h2 id=\"shift\">Distribution shift between domains</h2>\n"
        h += "<p>Per profile, the features of every foreground cell (as that profile computes them) and the score. KS: Kolmogorov–Smirnov statistic (0 same, 1 disjoint); W1: Wasserstein-1 distance in the feature's unit.</p>\n<table id=\"shift-table\"><tr><th class=\"l\">profile</th><th class=\"l\">domains</th>"
        h += AuditRunner.features.map { "<th>\($0) KS / W1</th>" }.joined() + "</tr>\n"
        for s in r.shift {
            h += "<tr><td class=\"l\">\(esc(s.profile))</td><td class=\"l\">\(esc(s.domainA)) vs \(esc(s.domainB))</td>"
            h += s.features.map { String(format: "<td>%.3f / %.3g</td>", $0.ks, $0.wasserstein) }.joined() + "</tr>\n"
        }
        h += "</table>\n"
        let domains = r.domains.map(\.name)
        h += "<p class=\"legend\">" + domains.enumerated().map { i, d in
            "<span><i class=\"swatch\" style=\"background:\(domainColours[i % domainColours.count])\"></i>\(esc(d))</span>"
        }.joined() + "</p>\n"
        for p in r.profiles {
            h += "<h3>\(esc(p.name)) profile</h3><div class=\"charts\">"
            for hist in r.histograms where hist.profile == p.name {
                h += histogramChart(hist, domains: domains)
            }
            h += "</div>\n"
        }
        return h
    }

    static func worst(_ r: AuditReport, _ thumbnails: [String: String]) -> String {
        let foreign = r.worstCases.filter(\.foreign)
        var h = "<h2 id=\"worst\">Worst cases: ROIs skipped under a foreign profile (\(foreign.count))</h2>\n"
        let own = r.worstCases.count - foreign.count
        h += "<p>Skipped under the domain's own profile: \(own).</p>\n"
        guard !foreign.isEmpty else { return h + "<p>None.</p>\n" }
        var counts: [String: Int] = [:]
        for w in foreign { counts["\(w.profile) profile on \(w.domain)", default: 0] += 1 }
        h += "<p>" + counts.keys.sorted().map { "\(esc($0)): \(counts[$0]!)" }.joined(separator: "; ") + ".</p>\n"
        h += "<div class=\"charts thumbs\">"
        var shown = Set<String>(), perGroup: [String: Int] = [:]
        for w in foreign {
            let group = "\(w.profile)/\(w.domain)"
            guard perGroup[group, default: 0] < maxThumbnailsPerGroup, let t = w.thumbnail, !shown.contains(t),
                  let data = thumbnails[t] else { continue }
            shown.insert(t)
            perGroup[group, default: 0] += 1
            h += "<figure><img alt=\"heatmap \(esc(w.profile)) on \(esc(w.caseID))\" src=\"data:image/png;base64,\(data)\"><figcaption>\(esc(w.profile)) profile on \(esc(w.domain)) / \(esc(w.caseID)): magenta outlines are skipped ROIs</figcaption></figure>"
        }
        h += "</div>\n"
        let total = Set(foreign.compactMap(\.thumbnail)).count
        if total > shown.count { h += "<p>\(total - shown.count) more heatmaps in <code>thumbnails/</code>.</p>\n" }
        h += "<details><summary>All \(foreign.count) skipped ROIs</summary>\n"
        h += "<table id=\"worst-table\"><tr><th class=\"l\">profile</th><th class=\"l\">domain</th><th class=\"l\">case</th><th class=\"l\">ROI</th><th>fine</th><th>dropped</th></tr>\n"
        for w in foreign {
            h += "<tr><td class=\"l\">\(esc(w.profile))</td><td class=\"l\">\(esc(w.domain))</td><td class=\"l\">\(esc(w.caseID))</td><td class=\"l\">\(esc(w.roi))</td>"
                + String(format: "<td>%.3f</td><td>%.3f</td></tr>\n", w.fineFraction, w.droppedFraction)
        }
        return h + "</table></details>\n"
    }

    static func probes(_ r: AuditReport) -> String {
        var h = "<h2 id=\"probes\">Robustness probes (each profile on its own domain's ROI cases)</h2>\n"
        guard !r.probes.isEmpty else { return h + "<p>No ROI cases on a profile's own domain.</p>\n" }
        h += "<table id=\"probe-table\"><tr><th class=\"l\">profile</th><th class=\"l\">domain</th><th class=\"l\">probe</th><th>recall without</th><th>recall with</th><th class=\"l\">skipped under the probe</th></tr>\n"
        for p in r.probes {
            let bad = p.resolvedPerturbed < p.rois
            h += "<tr><td class=\"l\">\(esc(p.profile))</td><td class=\"l\">\(esc(p.domain))</td><td class=\"l\" title=\"\(esc(p.description))\">\(esc(p.probe))</td>"
                + "<td>\(p.resolvedBaseline)/\(p.rois) (" + pct(p.recallBaseline) + ")</td>"
                + "<td class=\"\(bad ? "bad" : "")\">\(p.resolvedPerturbed)/\(p.rois) (" + pct(p.recallPerturbed) + ")</td>"
                + "<td class=\"l\">\(esc(p.skipped.prefix(8).joined(separator: ", ")))\(p.skipped.count > 8 ? " … (\(p.skipped.count))" : "")</td></tr>\n"
        }
        h += "</table><ul>" + Probe.allCases.map { "<li><b>\($0.rawValue)</b>: \(esc($0.description))</li>" }.joined() + "</ul>\n"
        h += "<div class=\"charts\">"
        for profile in Set(r.probes.map(\.profile)).sorted() {
            let rows = r.probes.filter { $0.profile == profile }
            h += barChart(title: "\(profile) on \(rows.first?.domain ?? ""): recall without (dark) / with (light)",
                          labels: rows.map(\.probe), series: [rows.map(\.recallBaseline), rows.map(\.recallPerturbed)],
                          colours: ["#444444", "#ff7f0e"])
        }
        return h + "</div>\n"
    }

    /// Vertical grouped bars on a 0…1 axis.
    static func barChart(title: String, labels: [String], series: [[Double]], colours: [String]) -> String {
        let w = 60 + labels.count * (series.count * 22 + 18), hgt = 190, plot = 140.0
        var s = "<figure><svg class=\"chart\" width=\"\(w)\" height=\"\(hgt)\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += "<line x1=\"40\" y1=\"10\" x2=\"40\" y2=\"150\" stroke=\"#888\"/><line x1=\"40\" y1=\"150\" x2=\"\(w - 5)\" y2=\"150\" stroke=\"#888\"/>"
        for t in [0.0, 0.5, 1.0] {
            let y = 150 - t * plot
            s += String(format: "<text x=\"36\" y=\"%.0f\" font-size=\"10\" text-anchor=\"end\">%.0f%%</text>", y + 3, t * 100)
        }
        for (i, label) in labels.enumerated() {
            let x0 = 48 + i * (series.count * 22 + 18)
            for (k, values) in series.enumerated() {
                let v = min(max(values[i], 0), 1), barH = v * plot
                s += String(format: "<rect x=\"%d\" y=\"%.1f\" width=\"20\" height=\"%.1f\" ", x0 + k * 22, 150 - barH, barH)
                    + "fill=\"\(colours[k % colours.count])\"><title>\(esc(label)) " + pct(v) + "</title></rect>"
            }
            s += "<text x=\"\(x0 + series.count * 11)\" y=\"165\" font-size=\"11\" text-anchor=\"middle\">\(esc(label))</text>"
        }
        return s + "</svg><figcaption>\(esc(title))</figcaption></figure>"
    }

    /// One line per domain: share of foreground cells per bin.
    static func histogramChart(_ hist: AuditReport.Histogram, domains: [String]) -> String {
        let w = 260.0, hgt = 150.0, plotW = 230.0, plotH = 110.0
        let top = max(domains.compactMap { hist.shares[$0]?.max() }.max() ?? 1, 1e-9)
        var s = "<figure><svg class=\"chart histogram\" width=\"\(Int(w))\" height=\"\(Int(hgt))\" role=\"img\" aria-label=\"\(esc(hist.profile)) \(esc(hist.feature))\">"
        s += "<line x1=\"20\" y1=\"120\" x2=\"250\" y2=\"120\" stroke=\"#888\"/>"
        for (i, d) in domains.enumerated() {
            guard let shares = hist.shares[d], !shares.isEmpty else { continue }
            let points = shares.enumerated().map { b, v in
                String(format: "%.1f,%.1f", 20 + (Double(b) + 0.5) / Double(shares.count) * plotW, 120 - v / top * plotH)
            }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(domainColours[i % domainColours.count])\" stroke-width=\"2\" points=\"\(points)\"/>"
        }
        s += String(format: "<text x=\"20\" y=\"135\" font-size=\"10\">%.3g</text><text x=\"250\" y=\"135\" font-size=\"10\" text-anchor=\"end\">%.3g</text>", hist.low, hist.high)
        return s + "</svg><figcaption>\(esc(hist.feature))</figcaption></figure>"
    }

    static func esc(_ s: String) -> String { escapeMarkup(s) }
}
