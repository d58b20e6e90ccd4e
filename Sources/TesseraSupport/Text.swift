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
