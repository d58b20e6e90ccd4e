/// Deterministic, compact JSON for token maps: fixed key order, shortest
/// round-trip numbers, one token per line so diffs stay readable. Written
/// straight into bytes: a map holds hundreds of tokens with five features
/// each, and string concatenation was a tenth of a batch's CPU.
public enum TokenMapJSON {
    public static func encode(_ m: TokenMap) -> String { String(decoding: bytes(m), as: UTF8.self) }

    public static func bytes(_ m: TokenMap) -> [UInt8] {
        var o = Writer()
        o.b.reserveCapacity(256 + m.tokens.count * 140 + m.dropped.count * 40)
        o.raw("{\n\"schema\": "); o.str(m.schema)
        o.raw(",\n\"source\": {\"path\": "); o.str(m.source.path)
        o.raw(", \"sopInstanceUID\": "); o.opt(m.source.sopInstanceUID)
        o.raw(", \"frame\": "); o.int(m.source.frame)
        o.raw("},\n\"image\": {\"rows\": "); o.int(m.image.rows)
        o.raw(", \"columns\": "); o.int(m.image.columns)
        o.raw(", \"pixelSpacingMM\": ")
        if let p = m.image.pixelSpacingMM { o.nums(p) } else { o.raw("null") }
        o.raw(", \"modality\": "); o.opt(m.image.modality)
        o.raw("},\n\"profile\": {\"name\": "); o.str(m.profile.name)
        o.raw(", \"domain\": "); o.str(m.profile.domain)
        o.raw(", \"sha256\": "); o.str(m.profile.sha256)
        o.raw("},\n\"basePatch\": "); o.int(m.basePatch)
        o.raw(",\n\"tokens\": [")
        for (i, t) in m.tokens.enumerated() {
            if i > 0 { o.raw(",") }
            o.raw("\n {\"x\": "); o.int(t.x); o.raw(", \"y\": "); o.int(t.y)
            o.raw(", \"w\": "); o.int(t.w); o.raw(", \"h\": "); o.int(t.h)
            o.raw(", \"level\": "); o.int(t.level); o.raw(", \"score\": "); o.num(t.score)
            if let c = t.code { o.raw(", \"code\": "); o.int(c) }
            if let f = t.features { o.raw(", \"features\": "); o.nums(f) }
            if let c = t.certified { o.raw(", \"certified\": "); o.raw(c ? "true" : "false") }
            o.raw("}")
        }
        o.raw(m.tokens.isEmpty ? "],\n" : "\n],\n")
        o.raw("\"dropped\": [")
        for (i, r) in m.dropped.enumerated() {
            if i > 0 { o.raw(",") }
            o.raw("\n {\"x\": "); o.int(r.x); o.raw(", \"y\": "); o.int(r.y)
            o.raw(", \"w\": "); o.int(r.w); o.raw(", \"h\": "); o.int(r.h); o.raw("}")
        }
        o.raw(m.dropped.isEmpty ? "],\n" : "\n],\n")
        let s = m.stats
        o.raw("\"stats\": {\"tokenCount\": "); o.int(s.tokenCount)
        o.raw(", \"uniformTokenCount\": "); o.int(s.uniformTokenCount)
        o.raw(", \"reduction\": "); o.num(s.reduction)
        if let p = s.tokensPerLevel {
            o.raw(", \"tokensPerLevel\": [")
            for (i, n) in p.enumerated() { if i > 0 { o.raw(", ") }; o.int(n) }
            o.raw("]")
        }
        if let d = s.droppedFraction { o.raw(", \"droppedFraction\": "); o.num(d) }
        if let f = s.featureNames {
            o.raw(", \"featureNames\": [")
            for (i, n) in f.enumerated() { if i > 0 { o.raw(", ") }; o.str(n) }
            o.raw("]")
        }
        o.raw("}")
        if let b = m.budget {
            o.raw(",\n\"budget\": {\"requested\": "); o.int(b.requested)
            o.raw(", \"tokens\": "); o.int(b.tokens)
            o.raw(", \"exact\": "); o.raw(b.exact ? "true" : "false")
            o.raw(", \"note\": "); o.opt(b.note); o.raw("}")
        }
        if let a = m.assessment {
            o.raw(",\n\"assessment\": {\"region\": "); o.str(a.region)
            o.raw(", \"regionReason\": "); o.str(a.regionReason)
            o.raw(", \"conservative\": "); o.raw(a.conservative ? "true" : "false")
            o.raw(", \"reasons\": [")
            for (i, r) in a.reasons.enumerated() { if i > 0 { o.raw(", ") }; o.str(r) }
            o.raw("], \"noiseSigma\": "); o.num(a.noiseSigma)
            o.raw(", \"uncertifiedCells\": "); o.int(a.uncertifiedCells)
            o.raw(", \"foregroundCells\": "); o.int(a.foregroundCells); o.raw("}")
            // Top-level flag as the contract's readers expect it.
            o.raw(",\n\"conservative\": "); o.raw(a.conservative ? "true" : "false")
        }
        o.raw("\n}\n")
        return o.b
    }

    /// The text of one number as the map writes it (for other writers of JSON lines).
    public static func number(_ v: Double) -> String {
        var o = Writer()
        o.num(v)
        return String(decoding: o.b, as: UTF8.self)
    }

    /// A JSON string literal (quoted, escaped), for other writers of JSON lines.
    public static func quote(_ s: String) -> String { str(s) }

    static func str(_ s: String) -> String {
        var o = Writer()
        o.str(s)
        return String(decoding: o.b, as: UTF8.self)
    }

    struct Writer {
        var b: [UInt8] = []

        mutating func raw(_ s: StaticString) { s.withUTF8Buffer { b.append(contentsOf: $0) } }

        mutating func int(_ v: Int) {
            withDigits { d in Self.put(v, into: d, at: 0) }
        }

        mutating func num(_ v: Double) {
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
        private mutating func withDigits(_ body: (UnsafeMutableRawBufferPointer) -> Int) {
            var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)  // 40 bytes
            withUnsafeMutableBytes(of: &buffer) { d in
                let n = body(d)
                b.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[0..<n]))
            }
        }

        /// Writes v's decimal digits (with '-' if negative) at `at`; returns the end.
        private static func put(_ v: Int, into d: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
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

        mutating func nums(_ v: [Double]) {
            raw("[")
            for (i, x) in v.enumerated() { if i > 0 { raw(", ") }; num(x) }
            raw("]")
        }

        mutating func opt(_ s: String?) { if let s { str(s) } else { raw("null") } }

        mutating func str(_ s: String) {
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
}
