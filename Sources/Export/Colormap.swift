/// Perceptually uniform colormaps (matplotlib's viridis and inferno), as
/// 256-entry tables built from 6th-degree polynomial fits of the originals
/// (within about 1% of matplotlib's values): monotonic in lightness, readable
/// by colour-blind viewers and in greyscale print.
public enum Colormap: String, Sendable, CaseIterable {
    case viridis, inferno

    /// Polynomial coefficients c0…c6 per channel.
    private var coefficients: [[Double]] {
        switch self {
        case .viridis:
            return [[0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
                    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
                    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
                    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
                    [6.228269936347081, 14.17993336680509, 56.69055260068105],
                    [4.776384997670288, -13.74514537774601, -65.35303263337234],
                    [-5.435455855934631, 4.645852612178535, 26.3124352495832]]
        case .inferno:
            return [[0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
                    [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
                    [11.60249308247187, -3.972853965665698, -15.9423941062914],
                    [-41.70399613139459, 17.43639888205313, 44.35414519872813],
                    [77.162935699427, -33.40235894210092, -81.80730925738993],
                    [-71.31942824499214, 32.62606426397723, 73.20951985803202],
                    [25.13112622477341, -12.24266895238567, -23.07032500287172]]
        }
    }

    /// 256 RGB entries, index = round(value × 255).
    public func table() -> [RGB] {
        let c = coefficients
        return (0..<256).map { i in
            let t = Double(i) / 255
            func channel(_ k: Int) -> UInt8 {
                var v = c[6][k]
                for d in stride(from: 5, through: 0, by: -1) { v = v * t + c[d][k] }
                return UInt8(min(max(v * 255, 0), 255).rounded())
            }
            return RGB(channel(0), channel(1), channel(2))
        }
    }
}

public struct RGB: Sendable, Equatable, Hashable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
}
