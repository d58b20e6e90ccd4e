/// One 2-D image as every later stage sees it: Float32 values in the
/// domain's natural unit (HU for CT, stored/modality values for X-ray,
/// luminance 0…255 for photographs), with its pixel spacing.
public struct ImagePlane: Sendable {
    public let rows: Int
    public let columns: Int
    /// Row-major, `rows * columns` values.
    public var values: [Float]
    /// Row and column spacing in mm, when known.
    public var spacingMM: PixelSpacing?
    /// Display inversion flag (MONOCHROME1): values are untouched, and
    /// intensity normalisation inverts them so bright always means dense.
    public var monochrome1: Bool
    /// Pixel Padding Value in the plane's units: such pixels are background.
    public var paddingValue: Float?

    public init(rows: Int, columns: Int, values: [Float], spacingMM: PixelSpacing? = nil,
                monochrome1: Bool = false, paddingValue: Float? = nil) {
        precondition(values.count == rows * columns, "plane size mismatch")
        self.rows = rows
        self.columns = columns
        self.values = values
        self.spacingMM = spacingMM
        self.monochrome1 = monochrome1
        self.paddingValue = paddingValue
    }

    @inline(__always) public subscript(y: Int, x: Int) -> Float { values[y * columns + x] }

    /// Box-averaged by 2^level in each direction (edge blocks average what
    /// they hold); spacing scales accordingly.
    public func downsampled(level: Int) -> ImagePlane {
        guard level > 0 else { return self }
        let (values, r, c) = BoxDownsample.apply(values, rows: rows, columns: columns, level: level)
        let f = Double(1 << level)
        return ImagePlane(rows: r, columns: c, values: values,
                          spacingMM: spacingMM.map { PixelSpacing(row: $0.row * f, column: $0.column * f) },
                          monochrome1: monochrome1, paddingValue: nil)
    }
}

/// Averages 2^level × 2^level blocks of a row-major buffer, one 2× halving
/// at a time (edge blocks average what they hold).
public enum BoxDownsample {
    public static func apply(_ values: [Float], rows: Int, columns: Int, level: Int) -> (values: [Float], rows: Int, columns: Int) {
        var (v, r, c) = (values, rows, columns)
        for _ in 0..<level { (v, r, c) = halve(v, rows: r, columns: c) }
        return (v, r, c)
    }

    /// A missing last row or column is replaced by its neighbour, so edge
    /// blocks average only real pixels. Each output is
    /// ((top-left + top-right) + bottom-left) + bottom-right, times ¼ (one
    /// order, so every caller gets the same bits), four outputs at a time.
    public static func halve(_ values: [Float], rows: Int, columns: Int) -> ([Float], Int, Int) {
        let r = (rows + 1) / 2, c = (columns + 1) / 2
        let pairs = columns / 2, vectorPairs = pairs & ~3
        let out = [Float](unsafeUninitializedCapacity: r * c) { dst, n in
            values.withUnsafeBufferPointer { v in
                let base = UnsafeRawPointer(v.baseAddress!)
                for y in 0..<r {
                    let a = 2 * y * columns, b = min(2 * y + 1, rows - 1) * columns, o = y * c
                    var x = 0
                    while x < vectorPairs {
                        let top = base.loadUnaligned(fromByteOffset: 4 * (a + 2 * x), as: SIMD8<Float>.self)
                        let bottom = base.loadUnaligned(fromByteOffset: 4 * (b + 2 * x), as: SIMD8<Float>.self)
                        let sum = ((top.evenHalf + top.oddHalf) + bottom.evenHalf) + bottom.oddHalf
                        UnsafeMutableRawPointer(dst.baseAddress! + o + x).storeBytes(of: sum * 0.25, as: SIMD4<Float>.self)
                        x += 4
                    }
                    while x < pairs {
                        let i = 2 * x
                        dst[o + x] = (v[a + i] + v[a + i + 1] + v[b + i] + v[b + i + 1]) * 0.25
                        x += 1
                    }
                    if columns % 2 == 1 {
                        dst[o + c - 1] = (v[a + columns - 1] + v[b + columns - 1]) * 0.5
                    }
                }
            }
            n = r * c
        }
        return (out, r, c)
    }
}

public struct PixelSpacing: Sendable, Equatable, Codable {
    public var row: Double
    public var column: Double
    public init(row: Double, column: Double) { self.row = row; self.column = column }
    /// Mean spacing, for converting lesion sizes in mm to pixels.
    public var mean: Double { (row + column) / 2 }
}

/// Where a plane came from, for the token map's `source` and `image` blocks.
public struct ImageSourceInfo: Sendable, Equatable {
    public var path: String
    public var sopInstanceUID: String?
    public var frame: Int
    public var modality: String?
    public var isPhotograph: Bool
    /// What the header says about the anatomy (Body Part Examined, study,
    /// series and protocol descriptions), for the body region.
    public var anatomy: AnatomyText

    public init(path: String, sopInstanceUID: String?, frame: Int, modality: String?, isPhotograph: Bool,
                anatomy: AnatomyText = AnatomyText()) {
        self.path = path
        self.sopInstanceUID = sopInstanceUID
        self.frame = frame
        self.modality = modality
        self.isPhotograph = isPhotograph
        self.anatomy = anatomy
    }
}

/// The imaging domain decides normalisation, foreground and priors.
public enum ImageDomain: String, Sendable, Codable, CaseIterable {
    case ct, xray, natural

    /// CT by Modality; projection radiography (and other grey modalities, by
    /// fallback) as X-ray; PNG/JPEG photographs and colour images as natural.
    public static func infer(_ source: ImageSourceInfo, samplesPerPixel: Int = 1) -> ImageDomain {
        if source.isPhotograph || samplesPerPixel > 1 { return .natural }
        return source.modality == "CT" ? .ct : .xray
    }
}
