import Annotations
import Foundation

/// The strip under a heatmap: what the colours mean, the window, the token
/// count, and every skipped ROI by id. No patient or file names.
enum HeatmapLegend {
    static let background = RGB(24, 24, 24)
    static let text = RGB(235, 235, 235)

    enum Item {
        case text(String, RGB)
        case swatch(RGB)
        case colourBar(Colormap)
        case lineBreak
    }

    static func items(_ content: HeatmapContent, window: ResolvedWindow, options: HeatmapOptions) -> [Item] {
        let s = content.map.stats
        var items: [Item] = [
            .text("profile \(content.profileName)", text),
            .text("window \(window.name) C\(format(window.center)) W\(format(window.width))", text),
            .text("\(s.tokenCount) tokens of \(s.uniformTokenCount) (" + String(format: "%.1f", s.reduction * 100) + "% fewer)", text),
            .lineBreak,
        ]
        if options.overlay.showsScore {
            items += [.text("score 0", text), .colourBar(options.colormap), .text("1", text)]
        }
        if options.overlay.showsTokens {
            let levels = (s.tokensPerLevel ?? []).count
            for level in 0..<max(levels, 1) {
                let side = content.map.basePatch << level
                items += [.swatch(HeatmapRenderer.levelColours[min(level, HeatmapRenderer.levelColours.count - 1)]),
                          .text("\(side)px", text)]
            }
        }
        guard !content.coverage.isEmpty else { return items }
        let skipped = content.coverage.filter { !$0.resolved }
        items += [.lineBreak, .swatch(HeatmapRenderer.resolvedColour),
                  .text("ROI resolved \(content.coverage.count - skipped.count)", text),
                  .swatch(HeatmapRenderer.skippedColour), .text("skipped \(skipped.count)" + (skipped.isEmpty ? "" : ":"), text)]
        for r in skipped {
            let name = r.label.map { "\(r.id) (\($0))" } ?? r.id
            items.append(.text(name + " fine " + String(format: "%.0f%%", r.fineFraction * 100), HeatmapRenderer.skippedColour))
        }
        return items
    }

    static func render(_ content: HeatmapContent, window: ResolvedWindow, options: HeatmapOptions, width: Int) -> Canvas {
        let scale = max(1, width / 640)
        let lineHeight = (BitmapFont.glyphHeight + 5) * scale, gap = 2 * BitmapFont.advance * scale
        let pad = 4 * scale
        // Two passes: lay out to count lines, then draw.
        func layout(_ draw: ((Item, Int, Int) -> Void)?) -> Int {
            var x = pad, y = pad
            for item in items(content, window: window, options: options) {
                let w: Int
                switch item {
                case .text(let t, _): w = BitmapFont.width(t, scale: scale)
                case .swatch: w = BitmapFont.glyphHeight * scale
                case .colourBar: w = 64 * scale
                case .lineBreak:
                    x = pad; y += lineHeight
                    continue
                }
                if x > pad && x + w > width - pad { x = pad; y += lineHeight }
                draw?(item, x, y)
                x += w + gap / 2
            }
            return y + lineHeight + pad
        }
        var canvas = Canvas(width: width, height: layout(nil), fill: background)
        _ = layout { item, x, y in
            switch item {
            case .text(let t, let colour):
                BitmapFont.draw(t, at: x, y, scale: scale, colour: colour, on: &canvas)
            case .swatch(let colour):
                canvas.fillRect(x: x, y: y, w: BitmapFont.glyphHeight * scale, h: BitmapFont.glyphHeight * scale, colour)
            case .colourBar(let map):
                let lut = map.table()
                for i in 0..<(64 * scale) {
                    canvas.fillRect(x: x + i, y: y, w: 1, h: BitmapFont.glyphHeight * scale, lut[i * 255 / (64 * scale - 1)])
                }
            case .lineBreak:
                break
            }
        }
        return canvas
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }
}
