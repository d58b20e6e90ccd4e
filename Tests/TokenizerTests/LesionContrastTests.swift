import Foundation
@testable import Scoring
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

    static func cells(_ values: [Float], radii: [Double] = [2, 4, 7, 10], polarity: BlobPolarity = .both) -> [Float] {
        let grid = CellGrid(imageRows: size, imageColumns: size, cellSize: cell)
        return LesionContrast.cells(values: values, mask: [UInt8](repeating: 1, count: size * size), rows: size,
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

        // A step edge ten times stronger, and a 6 px wide ridge (a rib).
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
        // Rim cells, and a spicule tip at 1.8 radii, score like the centre
        // (within what a smaller, slightly weaker detection gives).
        for (x, y) in [(55, 64), (73, 64), (64, 55), (64, 73), (82, 64), (64, 46)] {
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

    @Test func aLesionBeyondTheDisplayWindowKeepsItsContrast() {
        // Below the window (values < 0 after the linear map): a clipped map would show nothing.
        var v = Self.background(level: -0.2)
        Self.disc(&v, cx: 64, cy: 64, r: 8, contrast: 0.06)
        #expect(Self.cells(v)[Self.cellIndex(x: 64, y: 64)] > 0.35)
        #expect(Self.cells(v.map { max($0, 0) })[Self.cellIndex(x: 64, y: 64)] < 0.05)
    }
}
