/// An 8-bit RGB raster with the few drawing operations a heatmap needs.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// Row-major, interleaved RGB.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: RGB = RGB(0, 0, 0)) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        if fill != RGB(0, 0, 0) { fillRect(x: 0, y: 0, w: width, h: height, fill) }
    }

    public subscript(x: Int, y: Int) -> RGB {
        get {
            let i = (y * width + x) * 3
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = (y * width + x) * 3
            pixels[i] = newValue.r; pixels[i + 1] = newValue.g; pixels[i + 2] = newValue.b
        }
    }

    /// Mixes `colour` over the pixel with opacity `alpha` (0…1).
    public mutating func blend(x: Int, y: Int, _ colour: RGB, alpha: Float) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Float(a) * (1 - alpha) + Float(b) * alpha).rounded()) }
        pixels[i] = mix(pixels[i], colour.r)
        pixels[i + 1] = mix(pixels[i + 1], colour.g)
        pixels[i + 2] = mix(pixels[i + 2], colour.b)
    }

    public mutating func fillRect(x: Int, y: Int, w: Int, h: Int, _ colour: RGB) {
        for yy in max(y, 0)..<max(max(y, 0), min(y + h, height)) {
            for xx in max(x, 0)..<max(max(x, 0), min(x + w, width)) { self[xx, yy] = colour }
        }
    }

    /// One-pixel outline of the rectangle [x0, x1] × [y0, y1] (inclusive).
    public mutating func outline(x0: Int, y0: Int, x1: Int, y1: Int, _ colour: RGB, alpha: Float) {
        guard x1 >= x0, y1 >= y0 else { return }
        for x in x0...x1 {
            blend(x: x, y: y0, colour, alpha: alpha)
            if y1 != y0 { blend(x: x, y: y1, colour, alpha: alpha) }
        }
        if y1 - y0 >= 2 {
            for y in (y0 + 1)...(y1 - 1) {
                blend(x: x0, y: y, colour, alpha: alpha)
                if x1 != x0 { blend(x: x1, y: y, colour, alpha: alpha) }
            }
        }
    }

    /// Stacks `other` below this canvas (same width).
    public func appending(below other: Canvas) -> Canvas {
        precondition(other.width == width, "canvas widths differ")
        var out = Canvas(width: width, height: height + other.height)
        out.pixels = pixels + other.pixels
        return out
    }
}
