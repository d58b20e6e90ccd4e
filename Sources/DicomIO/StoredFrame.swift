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
        unsigned32 = format.bitsAllocated == 32 && !format.isSigned
        switch raw {
        case .samples(let samples, let model, let signExtended):
            values = signExtended ? samples : Self.applySign(samples, format: format)
            colorModel = model
        case .bytes(let bytes, let bits, let planar, let model):
            var v = Self.widen(bytes, bitsPerSample: bits, count: format.samplesPerFrame)
            v = Self.applySign(v, format: format)
            values = planar ? Self.interleave(v, samples: format.samplesPerPixel) : v
            colorModel = model
        }
    }

    private static func widen(_ bytes: [UInt8], bitsPerSample: Int, count: Int) -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                switch bitsPerSample {
                case 8:
                    let src = raw.bindMemory(to: UInt8.self)
                    for i in 0..<count { dst[i] = Int32(src[i]) }
                case 16:
                    let src = raw.bindMemory(to: UInt16.self)
                    for i in 0..<count { dst[i] = Int32(src[i]) }
                default:
                    let src = raw.bindMemory(to: UInt32.self)
                    for i in 0..<count { dst[i] = Int32(bitPattern: src[i]) }
                }
            }
        }
        return out
    }

    /// Bits above Bits Stored are not pixel data (overlays may live there).
    private static func applySign(_ values: [Int32], format: PixelFormat) -> [Int32] {
        let bits = format.bitsStored
        guard bits < 32 else { return values }
        var out = values
        out.withUnsafeMutableBufferPointer { v in
            if format.isSigned {
                let shift = Int32(32 - bits)
                for i in 0..<v.count { v[i] = (v[i] << shift) >> shift }
            } else {
                let mask = Int32(bitPattern: UInt32((UInt64(1) << bits) - 1))
                for i in 0..<v.count { v[i] &= mask }
            }
        }
        return out
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
