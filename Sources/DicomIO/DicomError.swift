/// Every way reading a DICOM object can fail. Each case names the file and
/// the cause in one line, so a batch can record it and carry on.
public enum DicomError: Error, CustomStringConvertible, Equatable, Sendable {
    case fileNotFound(path: String)
    case emptyFile(path: String)
    case notDicom(path: String, reason: String)
    case missingAttribute(path: String, name: String)
    case invalidAttribute(path: String, name: String, value: String)
    case noPixelData(path: String)
    case unsupportedTransferSyntax(path: String, uid: String)
    case unsupportedPixelFormat(path: String, reason: String)
    case exceedsLimit(path: String, bytes: UInt64, limit: UInt64)
    case truncatedPixelData(path: String, expectedBytes: UInt64, actualBytes: UInt64)
    case brokenFragments(path: String, reason: String)
    case decodeFailed(path: String, frame: Int, reason: String)
    case decodeTimedOut(path: String, frame: Int, seconds: Double)
    case frameOutOfRange(path: String, frame: Int, frames: Int)
    /// Sequences nested deeper than the reader will follow (refused before parsing).
    case nestedTooDeep(path: String, depth: Int, limit: Int)

    public var path: String {
        switch self {
        case .fileNotFound(let p), .emptyFile(let p), .notDicom(let p, _),
             .missingAttribute(let p, _), .invalidAttribute(let p, _, _), .noPixelData(let p),
             .unsupportedTransferSyntax(let p, _), .unsupportedPixelFormat(let p, _),
             .exceedsLimit(let p, _, _), .truncatedPixelData(let p, _, _),
             .brokenFragments(let p, _), .decodeFailed(let p, _, _),
             .decodeTimedOut(let p, _, _), .frameOutOfRange(let p, _, _), .nestedTooDeep(let p, _, _):
            return p
        }
    }

    public var description: String {
        switch self {
        case .fileNotFound(let p): return "\(p): file not found"
        case .emptyFile(let p): return "\(p): zero-length file"
        case .notDicom(let p, let r): return "\(p): not a readable DICOM file (\(r))"
        case .missingAttribute(let p, let n): return "\(p): required attribute \(n) is missing"
        case .invalidAttribute(let p, let n, let v): return "\(p): attribute \(n) has an invalid value '\(v)'"
        case .noPixelData(let p): return "\(p): the object has no Pixel Data"
        case .unsupportedTransferSyntax(let p, let uid): return "\(p): unsupported transfer syntax \(uid)"
        case .unsupportedPixelFormat(let p, let r): return "\(p): unsupported pixel format (\(r))"
        case .exceedsLimit(let p, let b, let l):
            return "\(p): decoded pixel data would need \(b) bytes, over the limit of \(l) bytes"
        case .truncatedPixelData(let p, let e, let a):
            return "\(p): pixel data truncated: expected \(e) bytes, found \(a) (short by \(e &- a))"
        case .brokenFragments(let p, let r): return "\(p): broken encapsulated pixel data (\(r))"
        case .decodeFailed(let p, let f, let r): return "\(p): frame \(f) failed to decode (\(r))"
        case .decodeTimedOut(let p, let f, let s):
            return "\(p): frame \(f) did not decode within \(s) s (hostile or corrupt codestream)"
        case .frameOutOfRange(let p, let f, let n): return "\(p): frame \(f) out of range (0..<\(n))"
        case .nestedTooDeep(let p, let d, let l):
            return "\(p): sequences nested more than \(l) deep (\(d) found before stopping); refused before parsing"
        }
    }
}
