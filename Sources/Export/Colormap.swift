/// Perceptually uniform colormaps (matplotlib's viridis and inferno, from
/// its own tables, ColormapTables.swift): monotonic in lightness, readable by
/// colour-blind viewers and in greyscale print.
public enum Colormap: String, Sendable, CaseIterable {
    case viridis, inferno

    /// 256 RGB entries, index = round(value × 255).
    public func table() -> [RGB] {
        let packed = self == .viridis ? ColormapTables.viridis : ColormapTables.inferno
        return packed.map { RGB(UInt8($0 >> 16), UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)) }
    }
}

public struct RGB: Sendable, Equatable, Hashable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
}
