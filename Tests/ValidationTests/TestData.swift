import CTestZlib
import Foundation
import TestSupport

enum TestData {
    static let repo = Reference.repo
    static let samples = Reference.samples
    static let validation = Reference.validation
    static let shared = Reference.data

    static func scratch() throws -> URL { try Reference.scratch("validation") }

    /// gunzip with zlib (for IBSI's NIfTI mask).
    static func gunzip(_ data: Data) throws -> [UInt8] {
        var stream = z_stream()
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CocoaError(.fileReadCorruptFile)
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](data)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            var s: Int32 = Z_OK
            repeat {
                s = chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                out += chunk[0..<(chunk.count - Int(stream.avail_out))]
            } while s == Z_OK
            return s
        }
        guard status == Z_STREAM_END else { throw CocoaError(.fileReadCorruptFile) }
        return out
    }
}
