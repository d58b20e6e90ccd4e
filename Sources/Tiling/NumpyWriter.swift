/// `.npy` (format 1.0) bytes for a little-endian array, readable by
/// `numpy.load` with no custom code.
public enum NumpyWriter {
    public static func float32(_ values: [Float], shape: [Int]) -> [UInt8] {
        var bytes = header(descr: "<f4", shape: shape)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        return bytes
    }

    public static func int32(_ values: [Int32], shape: [Int]) -> [UInt8] {
        var bytes = header(descr: "<i4", shape: shape)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        // Magic (6) + version (2) + length (2) + dict + '\n', padded to 64 bytes.
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let n = UInt16(dict.utf8.count)
        out += [UInt8(n & 0xFF), UInt8(n >> 8)]
        out += Array(dict.utf8)
        return out
    }
}
