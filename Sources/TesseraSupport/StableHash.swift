/// FNV-1a 64: stable across runs and machines (sharding, output names).
public func stableHash(_ s: String) -> UInt64 {
    s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
}

/// Lower-case hex digits of bytes, in order (digests, hashes).
public func lowercaseHex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
}
