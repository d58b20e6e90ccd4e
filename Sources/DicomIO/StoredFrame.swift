/// One frame of stored values: sign applied per Bits Stored, colour-by-pixel.
public struct StoredFrame: Sendable {
    public let rows: Int
    public let columns: Int
    public let samplesPerPixel: Int
    /// Row-major, samples interleaved.
    public var values: [Int32]
    /// Photometric interpretation of `values` (a JPEG decoder may already
    /// have converted YBR to RGB).
    public let colorModel: String
    /// 32-bit unsigned data: read `values` through UInt32(bitPattern:).
    public let unsigned32: Bool
}

extension StoredFrame {
    /// Widens raw decoder output to Int32: masks bits above Bits Stored,
    /// sign-extends signed data, and interleaves colour-by-plane data.
    init(raw: RawFrame, format: PixelFormat) {
        rows = format.rows
        columns = format.columns
        samplesPerPixel = format.samplesPerPixel
        unsigned32 = format.hasUnsigned32Samples
        switch raw {
        case .samples(let samples, let model, let signExtended):
            values = signExtended ? samples : Self.applySign(samples, format: format)
            colorModel = model
        case .bytes(let bytes, let bits, let planar, let model):
            let v = Self.unpack(bytes, bitsPerSample: bits, format: format)
            values = planar ? Self.interleave(v, samples: format.samplesPerPixel) : v
            colorModel = model
        }
    }

    /// Widens samples to Int32 in one pass: bits above Bits Stored are not
    /// pixel data (overlays may live there); signed data is sign-extended.
    static func unpack(_ bytes: [UInt8], bitsPerSample: Int, format: PixelFormat) -> [Int32] {
        let count = format.samplesPerFrame
        return [Int32](unsafeUninitializedCapacity: count) { dst, initialized in
            bytes.withUnsafeBytes { raw in unpack(raw, bitsPerSample: bitsPerSample, format: format, from: 0, into: dst) }
            initialized = count
        }
    }

    /// Widens `dst.count` samples starting at sample `first` of `raw`.
    static func unpack(_ raw: UnsafeRawBufferPointer, bitsPerSample: Int, format: PixelFormat, from first: Int,
                       into dst: UnsafeMutableBufferPointer<Int32>) {
        let count = dst.count
        switch bitsPerSample {
        case 8: widen(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt8.self)[first...]), into: dst, count: count, format: format)
        case 16: widen(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt16.self)[first...]), into: dst, count: count, format: format)
        default: widen(UnsafeBufferPointer(rebasing: raw.bindMemory(to: UInt32.self)[first...]), into: dst, count: count, format: format)
        }
    }

    @inline(__always)
    private static func widen<T: FixedWidthInteger & UnsignedInteger>(
        _ src: UnsafeBufferPointer<T>, into dst: UnsafeMutableBufferPointer<Int32>, count: Int, format: PixelFormat
    ) {
        let bits = min(format.bitsStored, 32)
        if format.isSigned {
            let shift = Int32(32 - bits)
            for i in 0..<count { dst[i] = (Int32(truncatingIfNeeded: src[i]) &<< shift) &>> shift }
        } else {
            let mask = UInt32(truncatingIfNeeded: (UInt64(1) << bits) - 1)
            for i in 0..<count { dst[i] = Int32(bitPattern: UInt32(truncatingIfNeeded: src[i]) & mask) }
        }
    }

    /// Decoders that hand over Int32 samples without the sign applied.
    private static func applySign(_ values: [Int32], format: PixelFormat) -> [Int32] {
        values.withUnsafeBytes { raw in
            var f = format
            f.bitsStored = min(format.bitsStored, 32)
            return [Int32](unsafeUninitializedCapacity: values.count) { dst, n in
                widen(raw.bindMemory(to: UInt32.self), into: dst, count: values.count, format: f)
                n = values.count
            }
        }
    }

    private static func interleave(_ planes: [Int32], samples: Int) -> [Int32] {
        let pixels = planes.count / samples
        var out = [Int32](repeating: 0, count: planes.count)
        for s in 0..<samples {
            for i in 0..<pixels { out[i * samples + s] = planes[s * pixels + i] }
        }
        return out
    }
}
