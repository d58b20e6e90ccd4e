import Foundation

/// An error in words a user can act on. Tessera's own errors are
/// CustomStringConvertible (file and reason) and pass through; Foundation's
/// file and decoding errors would otherwise print as "Error
/// Domain=NSCocoaErrorDomain Code=260 …".
public func describeError(_ error: any Error) -> String {
    if let decoding = error as? DecodingError { return describe(decoding) }
    let ns = error as NSError
    guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return errnoDescription(Int32(underlying.code))
    }
    if ns.domain == NSPOSIXErrorDomain { return errnoDescription(Int32(ns.code)) }
    switch CocoaError.Code(rawValue: ns.code) {
    case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file"
    case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
    case .fileReadCorruptFile: return "not valid JSON or not the expected format"
    case .fileReadInapplicableStringEncoding: return "not UTF-8 text"
    case .fileWriteOutOfSpace: return "no space left on device"
    case .fileWriteFileExists: return "a file is in the way"
    default: return "file error \(ns.code)"
    }
}

private func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        return keys.isEmpty ? "the top level" : String(keys.drop { $0 == "." })
    }
    switch error {
    case .keyNotFound(let key, let context):
        return "missing key '\(key.stringValue)' in \(path(context))"
    case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
        return "\(path(context)) is not a \(type)"
    case .dataCorrupted(let context):
        if let underlying = context.underlyingError { return "not valid JSON (\((underlying as NSError).localizedDescription))" }
        return context.codingPath.isEmpty ? context.debugDescription : "\(path(context)): \(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}
