import Foundation
@testable import Scoring
import TesseraSupport
import Testing

/// The fail-safe criterion on synthetic planes whose answer is known: pure
/// noise is certified homogeneous, a faint blob of either polarity is not
/// (over its whole footprint), and contrast no reading window shows apart
/// does not count.
struct HomogeneityCertificateTests {
    static let size = 192, cell = 8

    /// Flat tissue at `level` HU with Gaussian noise σ (deterministic).
    static func tissue(level: Float = 40, sigma: Float = 10, seed: UInt64 = 3) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<(size * size)).map { _ in
            let u1 = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12), u2 = Double(rng.next() >> 11) / Double(1 << 53)
            return level + sigma * Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
    }

    static func addDisc(_ v: inout [Float], cx: Double, cy: Double, r: Double, contrast: Float) {
        for y in 0..<size { for x in 0..<size where hypot(Double(x) + 0.5 - cx, Double(y) + 0.5 - cy) <= r {
            v[y * size + x] += contrast
        } }
    }

    static func certify(_ v: [Float], windows: [ClosedRange<Double>] = [0...80, -160...240]) -> HomogeneityCertificate.Result {
        let grid = CellGrid(imageRows: size, imageColumns: size, cellSize: cell)
        let p = HomogeneityCertificate.Parameters(radiiPx: [1, 2, 3, 4, 6, 10], isotropicFromPx: 4, windows: windows,
                                                  contrastFraction: 0.05, zThreshold: 4)
        return HomogeneityCertificate.compute(values: v, mask: [UInt8](repeating: 1, count: size * size), rows: size,
                                              columns: size, grid: grid, cellForeground: [Float](repeating: 1, count: grid.count),
                                              parameters: p)
    }

    static func cellIndex(x: Double, y: Double) -> Int { (Int(y) / cell) * (size / cell) + Int(x) / cell }

    @Test func pureNoiseIsCertified() {
        let r = Self.certify(Self.tissue())
        #expect(abs(r.noiseSigma - 10) < 1, "noise estimate \(r.noiseSigma) for σ = 10")
        let uncertified = r.detectability.filter { $0 >= 1 }.count
        // z = 4 over thousands of comparisons: a few chance detections, each
        // painting its footprint.
        #expect(uncertified <= r.detectability.count / 20, "\(uncertified) of \(r.detectability.count) noise cells uncertified")
    }

    @Test(arguments: [Float(15), -15])
    func faintLesionOfEitherPolarityIsNotCertified(contrast: Float) {
        var v = Self.tissue()
        // 12 px radius, 1.5σ contrast: Rose-visible over its area, not per pixel.
        Self.addDisc(&v, cx: 96, cy: 96, r: 12, contrast: contrast)
        let r = Self.certify(v)
        let inside: [(Double, Double)] = [(96, 96), (106, 96), (96, 86), (88, 104)]
        for (x, y) in inside {
            #expect(r.detectability[Self.cellIndex(x: x, y: y)] >= 1, "lesion pixel (\(x), \(y)) certified")
        }
        // Far from it, tissue is still certified.
        #expect(r.detectability[Self.cellIndex(x: 20, y: 20)] < 1)
    }

    @Test func contrastNoWindowShowsIsNotALesion() {
        // Lung: 40 HU differences at −850 HU are invisible in the lung window (1500 wide).
        var v = Self.tissue(level: -850, sigma: 10)
        Self.addDisc(&v, cx: 96, cy: 96, r: 12, contrast: 40)
        let lung = Self.certify(v, windows: [-1350...150])
        #expect(lung.detectability[Self.cellIndex(x: 96, y: 96)] < 1)
        // The same image read in a window 80 wide shows it.
        let narrow = Self.certify(v, windows: [-890 ... -810])
        #expect(narrow.detectability[Self.cellIndex(x: 96, y: 96)] >= 1)
    }

    /// Background cells with no recorded signal (constant: a blanked film
    /// border) are flat; background with noise in it (collimation, direct
    /// exposure) is not, and no cell holding foreground ever is.
    @Test func onlyConstantBackgroundIsFlat() {
        var v = Self.tissue()
        let grid = CellGrid(imageRows: Self.size, imageColumns: Self.size, cellSize: Self.cell)
        var foreground = [Float](repeating: 1, count: grid.count)
        // Left quarter: background, constant 0 in its top half, noisy below.
        for y in 0..<Self.size { for x in 0..<(Self.size / 4) { v[y * Self.size + x] = y < Self.size / 2 ? 0 : v[y * Self.size + x] - 40 } }
        for c in 0..<grid.count where c % grid.columns < grid.columns / 4 { foreground[c] = 0 }
        let flat = FlatBackground.cells(values: v, columns: Self.size, grid: grid, cellForeground: foreground, noiseSigma: 10)
        #expect(flat[Self.cellIndex(x: 4, y: 4)], "constant background cell")
        #expect(!flat[Self.cellIndex(x: 4, y: 180)], "noisy background cell")
        #expect(!flat[Self.cellIndex(x: 100, y: 4)], "foreground cell")
        // One speck in a constant cell makes it not flat.
        v[4 * Self.size + 4] = 30
        let specked = FlatBackground.cells(values: v, columns: Self.size, grid: grid, cellForeground: foreground, noiseSigma: 10)
        #expect(!specked[Self.cellIndex(x: 4, y: 4)])
    }
}
