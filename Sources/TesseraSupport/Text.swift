import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Text for XML and HTML: `&`, `<`, `>` and `"` escaped.
public func escapeMarkup(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// A NUL-terminated C buffer (a shim's error or result text) as a Swift string.
public func cString(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// The C library's words for the current `errno`.
public func errnoDescription(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// Rounded to 4 decimals: how every share, score and feature is written
/// (short, stable JSON, and a fast exact path in `JSONWriter.num`).
public func round4(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }

/// A CSV field, quoted (RFC 4180) when it holds a comma, quote or line
/// break. The bytes are scanned directly: Foundation's substring search cost
/// more than the rest of the batch summaries together.
public func csvField(_ s: String) -> String {
    let special: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r")]
    guard s.utf8.contains(where: special.contains) else { return s }
    return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
