import Tiling

/// The contract's invariant: tokens ∪ dropped tile the image exactly once,
/// and the stats agree with the tokens. Returns the violations (none = valid).
public enum TilingInvariant {
    public static func violations(_ map: TokenMap) -> [String] {
        let rows = map.image.rows, cols = map.image.columns
        var cover = [UInt8](repeating: 0, count: rows * cols)
        var errors: [String] = []
        let regions = map.tokens.map { ($0.x, $0.y, $0.w, $0.h) } + map.dropped.map { ($0.x, $0.y, $0.w, $0.h) }
        for (x, y, w, h) in regions {
            guard w > 0, h > 0, x >= 0, y >= 0, x + w <= cols, y + h <= rows else {
                errors.append("region out of image: x=\(x) y=\(y) w=\(w) h=\(h)")
                continue
            }
            for yy in y..<(y + h) { for xx in x..<(x + w) { cover[yy * cols + xx] &+= 1 } }
        }
        let gaps = cover.filter { $0 == 0 }.count, overlaps = cover.filter { $0 > 1 }.count
        if gaps > 0 { errors.append("\(gaps) pixels covered by no token") }
        if overlaps > 0 { errors.append("\(overlaps) pixels covered more than once") }
        for t in map.tokens {
            let side = map.basePatch << t.level
            if t.w != min(side, cols - t.x) || t.h != min(side, rows - t.y) {
                errors.append("token at (\(t.x),\(t.y)) level \(t.level) is \(t.w)x\(t.h), not \(side) clipped")
            }
            if !(0...1).contains(t.score) { errors.append("token score \(t.score) outside [0,1]") }
        }
        let uniform = TokenMap.uniformCount(rows: rows, columns: cols, basePatch: map.basePatch)
        if map.stats.tokenCount != map.tokens.count || map.stats.uniformTokenCount != uniform {
            errors.append("stats disagree: tokenCount \(map.stats.tokenCount) vs \(map.tokens.count), uniform \(map.stats.uniformTokenCount) vs \(uniform)")
        }
        let reduction = 1 - Double(map.tokens.count) / Double(uniform)
        if abs(map.stats.reduction - reduction) > 1e-4 { errors.append("reduction \(map.stats.reduction) vs \(reduction)") }
        return errors
    }
}
