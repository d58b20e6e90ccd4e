import Foundation
import Imaging
@testable import Scoring
import TesseraSupport
import Testing

/// The lesion detector on synthetic planes whose answer is known: a blob must
/// stand out, an edge and a ridge of the same contrast must not, and the whole
/// footprint of a blob (rim and spicule reach) must carry its score.
struct LesionContrastTests {
    static let size = 128, cell = 4

    /// Smooth background with deterministic noise (σ ≈ 0.01).
    static func background(level: Float = 0.5) -> [Float] {
        var rng = SplitMix64(seed: 7)
        return (0..<(size * size)).map { _ in
            // Box–Muller from the seeded stream: the same noise every run.
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12), u2 = Double(rng.next() >> 11) / Double(1 << 53)
            return level + 0.01 * Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
    }

    static func cells(_ values: [Float], radii: [Double] = [2, 4, 7, 10], polarity: BlobPolarity = .both,
                      mask: [UInt8] = [UInt8](repeating: 1, count: size * size)) -> [Float] {
        let grid = CellGrid(imageRows: size, imageColumns: size, cellSize: cell)
        return LesionContrast.cells(values: values, mask: mask, rows: size,
                                    columns: size, grid: grid, radii: radii, polarity: polarity)
    }

    static func cellIndex(x: Int, y: Int) -> Int { (y / cell) * (size / cell) + x / cell }

    static func disc(_ v: inout [Float], cx: Double, cy: Double, r: Double, contrast: Float) {
        for y in 0..<size { for x in 0..<size {
            let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
            if dx * dx + dy * dy <= r * r { v[y * size + x] += contrast }
        } }
    }

    @Test func aBlobStandsOutAnEdgeAndARidgeDoNot() {
        // CNR 5 blob of radius 8 px. A box never matches a disc exactly and the
        // ring catches some of the rim, so the detector measures CNR ≈ 3 (0.39).
        var blob = Self.background()
        Self.disc(&blob, cx: 64, cy: 64, r: 8, contrast: 0.05)
        let b = Self.cells(blob)
        #expect(b[Self.cellIndex(x: 64, y: 64)] > 0.33, "CNR-5 blob: \(b[Self.cellIndex(x: 64, y: 64)])")

        // A step edge ten times stronger, and a 5 px wide ridge (a rib).
        var edge = Self.background(), ridge = Self.background()
        for y in 0..<Self.size { for x in 0..<Self.size {
            if x >= 64 { edge[y * Self.size + x] += 0.5 }
            if abs(x - 64) < 3 { ridge[y * Self.size + x] += 0.5 }
        } }
        let e = Self.cells(edge), r = Self.cells(ridge)
        // Away from the image border (where the ring is cut off), neither scores like the blob.
        let inner = (8..<24).flatMap { cy in (8..<24).map { cx in cy * (Self.size / Self.cell) + cx } }
        let edgeMax = inner.map { e[$0] }.max() ?? 1, ridgeMax = inner.map { r[$0] }.max() ?? 1
        print("lesion contrast: CNR-5 blob \(b[Self.cellIndex(x: 64, y: 64)]), 10× edge \(edgeMax), 10× ridge \(ridgeMax)")
        #expect(edgeMax < 0.2, "edge scores \(edgeMax)")
        #expect(ridgeMax < 0.2, "ridge scores \(ridgeMax)")
    }

    @Test func theFootprintCoversTheRimAndSpiculeReach() {
        var v = Self.background()
        Self.disc(&v, cx: 64, cy: 64, r: 10, contrast: -0.1)
        let c = Self.cells(v)
        let centre = c[Self.cellIndex(x: 64, y: 64)]
        #expect(centre > 0.4)
        // Rim cells, and spicule tips at 1.8 radii (on the axes and on a
        // diagonal), score like the centre (within what a smaller, slightly
        // weaker detection gives).
        for (x, y) in [(55, 64), (73, 64), (64, 55), (64, 73), (82, 64), (64, 46), (77, 77), (51, 51)] {
            #expect(c[Self.cellIndex(x: x, y: y)] >= 0.8 * centre, "(\(x), \(y)): \(c[Self.cellIndex(x: x, y: y)]) vs \(centre)")
        }
        // Far from it: background noise only.
        #expect(c[Self.cellIndex(x: 10, y: 118)] < 0.5 * centre)
    }

    @Test func polarityIsHonoured() {
        var v = Self.background()
        Self.disc(&v, cx: 64, cy: 64, r: 8, contrast: 0.1)
        let i = Self.cellIndex(x: 64, y: 64)
        #expect(Self.cells(v, polarity: .bright)[i] > 0.4)
        #expect(Self.cells(v, polarity: .dark)[i] < 0.2)
    }

    @Test func aLesionAtTheFieldEdgeIsStillFound() {
        // Foreground ends 3 px right of the blob: the sides out there are not compared.
        var v = Self.background()
        Self.disc(&v, cx: 64, cy: 64, r: 6, contrast: 0.06)
        let mask = (0..<(Self.size * Self.size)).map { $0 % Self.size < 73 ? UInt8(1) : 0 }
        let atEdge = Self.cells(v, mask: mask)[Self.cellIndex(x: 64, y: 64)]
        let inside = Self.cells(v)[Self.cellIndex(x: 64, y: 64)]
        // Fewer sides and a clipped ring cost some contrast, not the detection
        // (noise alone stays below 0.2, as the edge test shows).
        #expect(atEdge > 0.25 && atEdge >= 0.6 * inside, "at the edge \(atEdge), inside \(inside)")
    }

    /// End to end through the scorer with the shipped X-ray profile: a lesion
    /// inside a dense patch beyond the display window's 99th percentile is
    /// invisible in the clipped plane every other feature sees, and found by
    /// this one because the scorer hands it the unclipped window.
    @Test func theScorerFeedsTheDetectorTheUnclippedWindow() throws {
        let n = 512, spacing = 0.6
        var rng = SplitMix64(seed: 11)
        var values = (0..<(n * n)).map { _ in Float(1000 + Int(rng.next() % 21)) }  // ±10 noise
        for y in 0..<n { for x in 0..<n {
            let dx = Double(x) - 256, dy = Double(y) - 256, d2 = dx * dx + dy * dy
            if d2 <= 20 * 20 { values[y * n + x] += 400 }   // dense patch: 0.5% of the pixels
            if d2 <= 6 * 6 { values[y * n + x] += 100 }     // lesion inside it, CNR ≈ 15
        } }
        let plane = ImagePlane(rows: n, columns: n, values: values, spacingMM: PixelSpacing(row: spacing, column: spacing))
        let profile = try Profile.builtIn(for: .xray).profile
        let e = DensityScorer.extract(plane, domain: .xray, profile: profile, cellSize: 16)
        #expect(e.level == 0 && e.window.upperBound < 1400, "the patch lies beyond the window: \(e.window)")
        let clipped = IntensityWindow.normalize(plane, range: e.window)
        #expect(clipped[256 * n + 256] == 1 && clipped[256 * n + 270] == 1, "lesion and patch both clip to white")
        let cell = (256 / 16) * e.features.grid.columns + 256 / 16
        #expect(e.features.lesionCNR[cell] > 0.5, "lesionCNR \(e.features.lesionCNR[cell])")
        // Far from the patch: noise.
        #expect(e.features.lesionCNR[2 * e.features.grid.columns + 2] < 0.3)
    }

    @Test func theLinearWindowIsUnclippedAndInvertsMonochrome1() {
        let plane = ImagePlane(rows: 1, columns: 4, values: [-100, 0, 100, 300])
        #expect(IntensityWindow.linear(plane, range: 0...100) == [-1, 0, 1, 3])
        let inverted = ImagePlane(rows: 1, columns: 4, values: plane.values, monochrome1: true)
        #expect(IntensityWindow.linear(inverted, range: 0...100) == [2, 1, 0, -2])
        #expect(IntensityWindow.normalize(inverted, range: 0...100) == [1, 1, 0, 0])
    }
}
