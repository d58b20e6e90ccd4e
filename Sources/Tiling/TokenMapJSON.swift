/// Deterministic, compact JSON for token maps: fixed key order, shortest
/// round-trip numbers, one token per line so diffs stay readable.
public enum TokenMapJSON {
    public static func encode(_ m: TokenMap) -> String {
        var o = "{\n"
        o += "\"schema\": \(str(m.schema)),\n"
        o += "\"source\": {\"path\": \(str(m.source.path)), \"sopInstanceUID\": \(opt(m.source.sopInstanceUID)), \"frame\": \(m.source.frame)},\n"
        o += "\"image\": {\"rows\": \(m.image.rows), \"columns\": \(m.image.columns), \"pixelSpacingMM\": \(m.image.pixelSpacingMM.map(nums) ?? "null"), \"modality\": \(opt(m.image.modality))},\n"
        o += "\"profile\": {\"name\": \(str(m.profile.name)), \"domain\": \(str(m.profile.domain)), \"sha256\": \(str(m.profile.sha256))},\n"
        o += "\"basePatch\": \(m.basePatch),\n"
        o += "\"tokens\": [" + m.tokens.map(token).joined(separator: ",") + (m.tokens.isEmpty ? "],\n" : "\n],\n")
        o += "\"dropped\": [" + m.dropped.map(region).joined(separator: ",") + (m.dropped.isEmpty ? "],\n" : "\n],\n")
        let s = m.stats
        o += "\"stats\": {\"tokenCount\": \(s.tokenCount), \"uniformTokenCount\": \(s.uniformTokenCount), \"reduction\": \(num(s.reduction))"
        if let p = s.tokensPerLevel { o += ", \"tokensPerLevel\": [\(p.map(String.init).joined(separator: ", "))]" }
        if let d = s.droppedFraction { o += ", \"droppedFraction\": \(num(d))" }
        if let f = s.featureNames { o += ", \"featureNames\": [\(f.map(str).joined(separator: ", "))]" }
        o += "}"
        if let b = m.budget {
            o += ",\n\"budget\": {\"requested\": \(b.requested), \"tokens\": \(b.tokens), \"exact\": \(b.exact), \"note\": \(opt(b.note))}"
        }
        return o + "\n}\n"
    }

    private static func token(_ t: TokenMap.Token) -> String {
        var s = "\n {\"x\": \(t.x), \"y\": \(t.y), \"w\": \(t.w), \"h\": \(t.h), \"level\": \(t.level), \"score\": \(num(t.score))"
        if let c = t.code { s += ", \"code\": \(c)" }
        if let f = t.features { s += ", \"features\": \(nums(f))" }
        return s + "}"
    }

    private static func region(_ r: TokenMap.Region) -> String {
        "\n {\"x\": \(r.x), \"y\": \(r.y), \"w\": \(r.w), \"h\": \(r.h)}"
    }

    static func num(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        // Values already rounded to 4 decimals (scores, features) print as
        // fixed decimals with integer arithmetic: exact, and much faster
        // than the shortest-round-trip formatter on the per-token hot path.
        let scaled = v * 10_000
        if abs(scaled) < 1e15 && scaled == scaled.rounded() {
            let n = Int64(scaled), whole = abs(n) / 10_000
            var frac = String(abs(n) % 10_000)
            frac = String(repeating: "0", count: 4 - frac.count) + frac
            while frac.hasSuffix("0") { frac.removeLast() }
            return (n < 0 ? "-" : "") + String(whole) + "." + frac
        }
        return v.description
    }

    private static func nums(_ v: [Double]) -> String { "[" + v.map(num).joined(separator: ", ") + "]" }
    private static func opt(_ s: String?) -> String { s.map(str) ?? "null" }

    static func str(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
