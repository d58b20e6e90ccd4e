import TesseraSupport
/// Deterministic, compact JSON for token maps: fixed key order, shortest
/// round-trip numbers, one token per line so diffs stay readable. Written
/// straight into bytes: a map holds hundreds of tokens with five features
/// each, and string concatenation was a tenth of a batch's CPU.
public enum TokenMapJSON {
    public static func encode(_ m: TokenMap) -> String { String(decoding: bytes(m), as: UTF8.self) }

    public static func bytes(_ m: TokenMap) -> [UInt8] {
        var o = JSONWriter()
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
}
