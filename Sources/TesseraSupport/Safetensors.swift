import Foundation

/// Writes the safetensors format (huggingface/safetensors): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the tensors' raw little-endian bytes, back to
/// back. Python reads it with `safetensors.numpy.load_file` or
/// `safetensors.torch.load_file`: no pickle, and the data can be mapped.
public struct SafetensorsWriter {
    /// The dtypes this writer emits, by their safetensors names.
    public enum DType: String, Sendable {
        case f16 = "F16", f32 = "F32", i16 = "I16", i32 = "I32", u8 = "U8"

        public var size: Int {
            switch self {
            case .u8: return 1
            case .f16, .i16: return 2
            case .f32, .i32: return 4
            }
        }
    }

    private var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
    private var data: [UInt8] = []

    public init() {}

    /// Appends one tensor; `bytes` are its elements in row-major order,
    /// little-endian (the only byte order Swift runs on here).
    /// - Precondition: `bytes.count` is the shape's element count × the dtype's size.
    public mutating func add(_ name: String, dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == shape.reduce(1, *) * dtype.size, "safetensors: \(name) has \(bytes.count) bytes for shape \(shape)")
        let begin = data.count
        data.append(contentsOf: bytes)
        entries.append((name, dtype, shape, begin, data.count))
    }

    public mutating func add(_ name: String, shape: [Int], float16 values: [Float16]) {
        values.withUnsafeBytes { add(name, dtype: .f16, shape: shape, bytes: $0) }
    }

    public mutating func add(_ name: String, shape: [Int], int16 values: [Int16]) {
        values.withUnsafeBytes { add(name, dtype: .i16, shape: shape, bytes: $0) }
    }

    public mutating func add(_ name: String, shape: [Int], int32 values: [Int32]) {
        values.withUnsafeBytes { add(name, dtype: .i32, shape: shape, bytes: $0) }
    }

    public mutating func add(_ name: String, shape: [Int], uint8 values: [UInt8]) {
        values.withUnsafeBytes { add(name, dtype: .u8, shape: shape, bytes: $0) }
    }

    /// The whole file. `metadata` goes under `__metadata__` (string values
    /// only, as the format requires).
    public func bytes(metadata: [String: String]) -> [UInt8] {
        // Laid out widest dtype first (then by name), as the reference
        // writer does: with the data block 8-aligned, every tensor then
        // starts at a multiple of its element size and can be mapped in place.
        let ordered = entries.sorted { ($0.dtype.size, $1.name) > ($1.dtype.size, $0.name) }
        var data: [UInt8] = []
        data.reserveCapacity(self.data.count)
        var header = "{\"__metadata__\":" + Self.jsonObject(metadata)
        for e in ordered {
            let begin = data.count
            data.append(contentsOf: self.data[e.begin..<e.end])
            let shape: String = e.shape.map(String.init).joined(separator: ",")
            let name: String = JSONWriter.quote(e.name)
            header += ",\(name):{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(data.count)]}"
        }
        header += "}"
        // Padded with spaces so the data block starts 8-byte aligned.
        var headerBytes = Array(header.utf8)
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + data.count)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        out += data
        return out
    }

    static func jsonObject(_ values: [String: String]) -> String {
        "{" + values.keys.sorted().map { JSONWriter.quote($0) + ":" + JSONWriter.quote(values[$0]!) }.joined(separator: ",") + "}"
    }
}
