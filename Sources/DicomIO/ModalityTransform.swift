/// Stored value → modality value (Hounsfield units for CT): either a linear
/// rescale or a Modality LUT, never both (PS3.3 C.11.1).
public enum ModalityTransform: Sendable, Equatable {
    case identity
    case rescale(slope: Double, intercept: Double)
    case lut(ModalityLUT)

    @inline(__always)
    public func apply(_ stored: Int32, unsigned32: Bool = false) -> Double {
        switch self {
        case .identity: return value(stored, unsigned32)
        case .rescale(let slope, let intercept): return value(stored, unsigned32) * slope + intercept
        case .lut(let lut): return Double(lut.lookup(Int(stored)))
        }
    }

    /// Applies the transform to a whole frame as Float32 (the image model's type).
    public func apply(_ stored: [Int32], unsigned32: Bool = false) -> [Float] {
        [Float](unsafeUninitializedCapacity: stored.count) { dst, initialized in
            stored.withUnsafeBufferPointer { src in fill(dst, from: src, unsigned32: unsigned32) }
            initialized = stored.count
        }
    }

    func fill(_ dst: UnsafeMutableBufferPointer<Float>, from src: UnsafeBufferPointer<Int32>, unsigned32: Bool) {
        let n = src.count
        switch self {
        case .lut(let lut):
            for i in 0..<n { dst[i] = Float(lut.lookup(Int(src[i]))) }
        case _ where unsigned32:
            for i in 0..<n { dst[i] = Float(apply(src[i], unsigned32: true)) }
        case .identity:
            for i in 0..<n { dst[i] = Float(src[i]) }
        case .rescale(let slope, let intercept):
            if slope == 1, intercept == intercept.rounded(), abs(intercept) < 16_777_216 {
                // CT's usual slope 1 and integer intercept: integer add, exact, vectorised.
                let offset = Int32(intercept)
                for i in 0..<n { dst[i] = Float(src[i] &+ offset) }
            } else {
                // Double arithmetic, one rounding to Float.
                for i in 0..<n { dst[i] = Float(Double(src[i]) * slope + intercept) }
            }
        }
    }

    @inline(__always)
    private func value(_ v: Int32, _ unsigned32: Bool) -> Double {
        unsigned32 ? Double(UInt32(bitPattern: v)) : Double(v)
    }
}

/// A Modality LUT: values below the first mapped input take the first entry,
/// values above the last take the last entry.
public struct ModalityLUT: Sendable, Equatable {
    public let firstMapped: Int
    public let bitsPerEntry: Int
    public let data: [UInt16]

    @inline(__always)
    public func lookup(_ stored: Int) -> UInt16 {
        let index = min(max(stored - firstMapped, 0), data.count - 1)
        return data[index]
    }
}
