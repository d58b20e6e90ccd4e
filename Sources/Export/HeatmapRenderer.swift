import Annotations
import Imaging
import Scoring
import Tiling

public enum OverlayMode: String, Sendable, CaseIterable {
    case score, tokens, both
    var showsScore: Bool { self != .tokens }
    var showsTokens: Bool { self != .score }
}

public struct HeatmapOptions: Sendable {
    public var window: DisplayWindow
    public var overlay: OverlayMode
    public var colormap: Colormap
    /// Longest side of the image part in pixels (nil: full resolution).
    public var maxSize: Int?

    public init(window: DisplayWindow = .auto, overlay: OverlayMode = .both, colormap: Colormap = .viridis, maxSize: Int? = nil) {
        self.window = window; self.overlay = overlay; self.colormap = colormap; self.maxSize = maxSize
    }
}

/// What a heatmap shows, all already computed: the frame, its scores and
/// token map, and the ROIs with their coverage.
public struct HeatmapContent: Sendable {
    public var plane: ImagePlane
    public var scored: ScoredImage
    public var map: TokenMap
    public var profileName: String
    public var rois: [ROI]
    public var coverage: [CoverageResult]
    public var headerWindow: (center: Double, width: Double)?

    public init(plane: ImagePlane, scored: ScoredImage, map: TokenMap, profileName: String, rois: [ROI] = [],
                coverage: [CoverageResult] = [], headerWindow: (center: Double, width: Double)? = nil) {
        self.plane = plane; self.scored = scored; self.map = map; self.profileName = profileName
        self.rois = rois; self.coverage = coverage; self.headerWindow = headerWindow
    }
}

public struct Heatmap: Sendable {
    /// Image part on top, legend strip below.
    public var canvas: Canvas
    /// Height of the image part (the legend follows).
    public var imageHeight: Int
    /// Output pixels per source pixel.
    public var scale: Double
    public var window: ResolvedWindow
}

/// Renders a heatmap: windowed frame, score colormap, token borders, ROI
/// outlines and a legend. Pure: no file I/O.
public enum HeatmapRenderer {
    public static let resolvedColour = RGB(0, 230, 118)
    public static let skippedColour = RGB(255, 0, 170)
    /// Token border colour per level, finest first (deeper levels reuse the last).
    public static let levelColours = [RGB(255, 255, 255), RGB(90, 200, 255), RGB(255, 176, 0), RGB(200, 120, 255),
                                      RGB(160, 160, 160)]
    /// Score overlay opacity: `scoreAlphaBase + scoreAlphaGain × score` on foreground cells.
    static let scoreAlphaBase: Float = 0.15
    static let scoreAlphaGain: Float = 0.5
    static let tokenAlpha: Float = 0.4

    public static func render(_ content: HeatmapContent, options: HeatmapOptions) throws(ExportError) -> Heatmap {
        let plane = content.plane
        let window = try options.window.resolve(plane, domain: content.scored.domain, headerWindow: content.headerWindow)
        let longest = max(plane.rows, plane.columns)
        let scale = options.maxSize.map { min(1, Double($0) / Double(longest)) } ?? 1
        let width = max(1, Int((Double(plane.columns) * scale).rounded()))
        let height = max(1, Int((Double(plane.rows) * scale).rounded()))
        let sx = Double(plane.columns) / Double(width), sy = Double(plane.rows) / Double(height)

        var canvas = base(plane, window: window, width: width, height: height)
        if options.overlay.showsScore { drawScores(content.scored, on: &canvas, sx: sx, sy: sy, colormap: options.colormap) }
        if options.overlay.showsTokens { drawTokens(content.map, on: &canvas, scale: (1 / sx, 1 / sy)) }
        drawROIs(content, on: &canvas, sx: sx, sy: sy)
        let legend = HeatmapLegend.render(content, window: window, options: options, width: width)
        return Heatmap(canvas: canvas.appending(below: legend), imageHeight: height, scale: 1 / sx, window: window)
    }

    /// Box-averaged source values through the window.
    static func base(_ plane: ImagePlane, window: ResolvedWindow, width: Int, height: Int) -> Canvas {
        var canvas = Canvas(width: width, height: height)
        let full = width == plane.columns && height == plane.rows
        for y in 0..<height {
            let y0 = y * plane.rows / height, y1 = max(y0 + 1, (y + 1) * plane.rows / height)
            for x in 0..<width {
                let value: Float
                if full {
                    value = plane[y, x]
                } else {
                    let x0 = x * plane.columns / width, x1 = max(x0 + 1, (x + 1) * plane.columns / width)
                    var sum: Float = 0
                    for yy in y0..<y1 { for xx in x0..<x1 { sum += plane[yy, xx] } }
                    value = sum / Float((y1 - y0) * (x1 - x0))
                }
                let g = window.grey(value)
                canvas[x, y] = RGB(g, g, g)
            }
        }
        return canvas
    }

    /// Each foreground cell's score through the colormap, more opaque where higher.
    static func drawScores(_ scored: ScoredImage, on canvas: inout Canvas, sx: Double, sy: Double, colormap: Colormap) {
        let lut = colormap.table()
        let grid = scored.grid
        for y in 0..<canvas.height {
            let cy = min(Int((Double(y) + 0.5) * sy), grid.imageRows - 1) / grid.cellSize
            for x in 0..<canvas.width {
                let cx = min(Int((Double(x) + 0.5) * sx), grid.imageColumns - 1) / grid.cellSize
                let c = cy * grid.columns + cx
                guard scored.features.foreground[c] > 0 else { continue }
                let s = min(max(scored.scores[c], 0), 1)
                canvas.blend(x: x, y: y, lut[Int((s * 255).rounded())], alpha: scoreAlphaBase + scoreAlphaGain * s)
            }
        }
    }

    /// Tokens drawn smaller than this (after downscaling) get no border: a
    /// grid of 2–3 px cells hides the image and says nothing the score does not.
    static let minimumBorderedSide = 6.0

    static func drawTokens(_ map: TokenMap, on canvas: inout Canvas, scale: (x: Double, y: Double)) {
        for t in map.tokens where Double(min(t.w, t.h)) * min(scale.x, scale.y) >= minimumBorderedSide {
            let colour = levelColours[min(t.level, levelColours.count - 1)]
            let x0 = Int((Double(t.x) * scale.x).rounded(.down)), y0 = Int((Double(t.y) * scale.y).rounded(.down))
            let x1 = min(canvas.width, Int((Double(t.x + t.w) * scale.x).rounded(.down))) - 1
            let y1 = min(canvas.height, Int((Double(t.y + t.h) * scale.y).rounded(.down))) - 1
            canvas.outline(x0: x0, y0: y0, x1: max(x0, x1), y1: max(y0, y1), colour, alpha: tokenAlpha)
        }
    }

    /// One-pixel ROI boundaries, opaque and last, skipped ROIs over resolved ones.
    static func drawROIs(_ content: HeatmapContent, on canvas: inout Canvas, sx: Double, sy: Double) {
        let resolved = Dictionary(content.coverage.map { ($0.id, $0.resolved) }, uniquingKeysWith: { a, b in a && b })
        let ordered = content.rois.sorted { (resolved[$0.id] ?? false) && !(resolved[$1.id] ?? false) }
        for roi in ordered {
            let colour = (resolved[roi.id] ?? false) ? resolvedColour : skippedColour
            for p in outline(roi, rows: content.plane.rows, columns: content.plane.columns,
                             width: canvas.width, height: canvas.height, sx: sx, sy: sy) {
                canvas[p % canvas.width, p / canvas.width] = colour
            }
        }
    }

    /// Output-pixel indices on the ROI's boundary: inside pixels with a
    /// 4-neighbour outside. A region too small to survive downscaling keeps
    /// the pixel under its centre.
    public static func outline(_ roi: ROI, rows: Int, columns: Int, width: Int, height: Int, sx: Double, sy: Double) -> [Int] {
        let source = roi.pixels(rows: rows, columns: columns)
        guard !source.isEmpty else { return [] }
        var inside = Set<Int>()
        if width == columns && height == rows {
            inside = Set(source)
        } else {
            let sourceSet = Set(source)
            let xs = source.map { $0 % columns }, ys = source.map { $0 / columns }
            let ox0 = Int(Double(xs.min()!) / sx), ox1 = min(width - 1, Int(Double(xs.max()!) / sx) + 1)
            let oy0 = Int(Double(ys.min()!) / sy), oy1 = min(height - 1, Int(Double(ys.max()!) / sy) + 1)
            for oy in oy0...oy1 {
                for ox in ox0...ox1 {
                    let x = min(Int((Double(ox) + 0.5) * sx), columns - 1), y = min(Int((Double(oy) + 0.5) * sy), rows - 1)
                    if sourceSet.contains(y * columns + x) { inside.insert(oy * width + ox) }
                }
            }
            if inside.isEmpty {
                let cx = Double(xs.reduce(0, +)) / Double(xs.count), cy = Double(ys.reduce(0, +)) / Double(ys.count)
                inside.insert(min(Int(cy / sy), height - 1) * width + min(Int(cx / sx), width - 1))
            }
        }
        return inside.filter { p in
            let x = p % width, y = p / width
            return x == 0 || y == 0 || x == width - 1 || y == height - 1
                || !inside.contains(p - 1) || !inside.contains(p + 1) || !inside.contains(p - width) || !inside.contains(p + width)
        }.sorted()
    }
}
