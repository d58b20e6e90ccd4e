import Foundation

/// Compact JSON written straight into bytes: the token-map writer's engine
/// (a batch writes thousands of maps, and Foundation's encoder cost more than
/// the tokenizing), also used for JSON lines. Numbers already rounded to 4
/// decimals print as fixed decimals by integer arithmetic.
public struct JSONWriter {
    /// The JSON text written so far, as UTF-8.
    public var b: [UInt8] = []

    public init() {}

    @inlinable public mutating func raw(_ s: StaticString) { s.withUTF8Buffer { b.append(contentsOf: $0) } }

    @inlinable public mutating func int(_ v: Int) {
        withDigits { d in Self.put(v, into: d, at: 0) }
    }

    @inlinable public mutating func num(_ v: Double) {
        guard v.isFinite else { raw("null"); return }
        if v == v.rounded() && abs(v) < 1e15 { int(Int(v)); return }
        // Values already rounded to 4 decimals (scores, features) print
        // as fixed decimals with integer arithmetic: exact, and much
        // faster than the shortest-round-trip formatter.
        let scaled = v * 10_000
        if abs(scaled) < 1e15 && scaled == scaled.rounded() {
            let n = Int(scaled)
            withDigits { d in
                var at = 0
                if n < 0 { d[0] = UInt8(ascii: "-"); at = 1 }
                at = Self.put(Int(n.magnitude / 10_000), into: d, at: at)
                d[at] = UInt8(ascii: "."); at += 1
                var frac = Int(n.magnitude % 10_000), width = 4
                while frac % 10 == 0 { frac /= 10; width -= 1 }
                for i in stride(from: width - 1, through: 0, by: -1) {
                    d[at + i] = UInt8(ascii: "0") + UInt8(frac % 10)
                    frac /= 10
                }
                return at + width
            }
            return
        }
        b.append(contentsOf: v.description.utf8)
    }

    /// Formats into a small stack buffer (`body` returns the length) and
    /// appends it at once: one append per number, not one per digit.
    @inlinable mutating func withDigits(_ body: (UnsafeMutableRawBufferPointer) -> Int) {
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 40 bytes
        withUnsafeMutableBytes(of: &buffer) { d in
            let n = body(d)
            b.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[0..<n]))
        }
    }

    /// Writes v's decimal digits (with '-' if negative) at `at`; returns the end.
    @inlinable static func put(_ v: Int, into d: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
        var at = start
        if v < 0 { d[at] = UInt8(ascii: "-"); at += 1 }
        var m = v.magnitude, length = 1
        while m >= 10 { m /= 10; length += 1 }
        m = v.magnitude
        for i in stride(from: length - 1, through: 0, by: -1) {
            d[at + i] = UInt8(ascii: "0") + UInt8(m % 10)
            m /= 10
        }
        return at + length
    }

    @inlinable public mutating func nums(_ v: [Double]) {
        raw("[")
        for (i, x) in v.enumerated() { if i > 0 { raw(", ") }; num(x) }
        raw("]")
    }

    @inlinable public mutating func opt(_ s: String?) { if let s { str(s) } else { raw("null") } }

    @inlinable public mutating func str(_ s: String) {
        b.append(UInt8(ascii: "\""))
        for u in s.unicodeScalars {
            switch u {
            case "\"": raw("\\\"")
            case "\\": raw("\\\\")
            case "\n": raw("\\n")
            case "\r": raw("\\r")
            case "\t": raw("\\t")
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                raw("\\u")
                b.append(contentsOf: (String(repeating: "0", count: 4 - hex.count) + hex).utf8)
            default: UTF8.encode(u) { b.append($0) }
            }
        }
        b.append(UInt8(ascii: "\""))
    }
}

extension JSONWriter {
    /// The text of one number as `num` writes it.
    public static func number(_ v: Double) -> String {
        var o = JSONWriter()
        o.num(v)
        return String(decoding: o.b, as: UTF8.self)
    }

    /// A JSON string literal (quoted, escaped).
    public static func quote(_ s: String) -> String {
        var o = JSONWriter()
        o.str(s)
        return String(decoding: o.b, as: UTF8.self)
    }
}

extension JSONEncoder {
    /// Pretty, key-sorted, slashes unescaped: every JSON report Tessera writes
    /// with Codable (info, summaries, audit), so that they diff well.
    public static func tessera() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
