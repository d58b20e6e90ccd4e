import Foundation

/// Bounds the nesting of sequences before DCMTK parses a file. DCMTK's reader
/// recurses once per nested item and has no depth option, so a few thousand
/// levels (a 200 KB file) overflow the stack of the thread it runs on — a
/// crash no error handling can catch. This pre-scan walks the element headers
/// (values are skipped by their lengths, so it reads a few KB of a normal
/// file) and refuses anything nested deeper than `limit` before DCMTK sees it.
/// Real objects nest a handful of levels (an SR content tree a few dozen).
enum NestingScan {
    static let limit = 128

    /// Explicit VRs with a 2-byte reserved field and a 4-byte length.
    static let longVRs: Set<String> = ["OB", "OW", "UN", "UT", "SQ", "UC", "UR", "OD", "OF", "OL", "OV", "SV", "UV"]

    /// The deepest sequence nesting found, stopping as soon as it passes
    /// `limit`; nil when the layout is not understood (DCMTK decides then).
    static func depth(path: String, limit: Int = limit) -> Int? {
        guard let reader = ChunkReader(path: path) else { return nil }
        var offset = 0
        var explicit = true, little = true
        // Preamble and meta group (always explicit little endian).
        if reader.bytes(at: 128, count: 4) == Array("DICM".utf8) {
            offset = 132
            var syntax = ""
            while let h = reader.bytes(at: offset, count: 8), h[0] == 0x02, h[1] == 0x00 {
                let element = UInt16(h[2]) | UInt16(h[3]) << 8
                let vr = String(decoding: h[4..<6], as: UTF8.self)
                let long = longVRs.contains(vr)
                guard let length = long ? reader.uint32(at: offset + 8, little: true).map(Int.init)
                                        : Int(UInt16(h[6]) | UInt16(h[7]) << 8) else { return nil }
                let header = long ? 12 : 8
                if element == 0x0010, let v = reader.bytes(at: offset + header, count: min(length, 64)) {
                    syntax = String(decoding: v.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                }
                offset += header + length
            }
            // A deflated dataset is compressed: its headers cannot be walked here.
            if syntax == "1.2.840.10008.1.2.1.99" { return nil }
            explicit = syntax != "1.2.840.10008.1.2"
            little = syntax != "1.2.840.10008.1.2.2"
        } else if let h = reader.bytes(at: 4, count: 2) {
            // A raw dataset: explicit when a VR's two capital letters follow the first tag.
            explicit = h.allSatisfy { (0x41...0x5A).contains($0) }
        }
        return walk(reader, from: offset, explicit: explicit, little: little, limit: limit)
    }

    /// Open containers: sequences and items, each with its end offset (nil:
    /// undefined length, closed by a delimiter).
    private static func walk(_ r: ChunkReader, from start: Int, explicit: Bool, little: Bool, limit: Int) -> Int? {
        var open: [(end: Int?, isSequence: Bool)] = []
        // Sequences among `open`, kept as they are pushed and popped (a
        // count over `open` per push would be quadratic on a hostile file).
        var sequences = 0
        var deepest = 0, offset = start
        func pop() { if open.removeLast().isSequence { sequences -= 1 } }
        while offset < r.size {
            while let last = open.last, let end = last.end, offset >= end { pop() }
            guard let tag = r.bytes(at: offset, count: 4) else { break }
            let group = little ? UInt16(tag[0]) | UInt16(tag[1]) << 8 : UInt16(tag[0]) << 8 | UInt16(tag[1])
            let element = little ? UInt16(tag[2]) | UInt16(tag[3]) << 8 : UInt16(tag[2]) << 8 | UInt16(tag[3])
            if group == 0xFFFE {
                // Items and delimiters: tag and a 4-byte length in every syntax.
                guard let length = r.uint32(at: offset + 4, little: little) else { break }
                offset += 8
                switch element {
                case 0xE000:
                    open.append((length == 0xFFFF_FFFF ? nil : offset + Int(length), false))
                case 0xE00D, 0xE0DD:
                    // Close up to and including the innermost undefined-length container of that kind.
                    let wantSequence = element == 0xE0DD
                    while let last = open.last {
                        pop()
                        if last.end == nil && last.isSequence == wantSequence { break }
                    }
                default: break
                }
                continue
            }
            var length: UInt32, header: Int, isSequence = false
            if explicit {
                guard let vrBytes = r.bytes(at: offset + 4, count: 2) else { break }
                let vr = String(decoding: vrBytes, as: UTF8.self)
                if longVRs.contains(vr) {
                    guard let l = r.uint32(at: offset + 8, little: little) else { break }
                    length = l; header = 12
                    isSequence = vr == "SQ" || (length == 0xFFFF_FFFF)
                } else {
                    guard let b = r.bytes(at: offset + 6, count: 2) else { break }
                    length = little ? UInt32(b[0]) | UInt32(b[1]) << 8 : UInt32(b[0]) << 8 | UInt32(b[1]); header = 8
                }
            } else {
                guard let l = r.uint32(at: offset + 4, little: little) else { break }
                length = l; header = 8
                // Implicit VR: a value that opens with an item tag is a sequence.
                let first = r.bytes(at: offset + 8, count: 4)
                let itemTag: [UInt8] = little ? [0xFE, 0xFF, 0x00, 0xE0] : [0xFF, 0xFE, 0xE0, 0x00]
                isSequence = length == 0xFFFF_FFFF || (length >= 8 && first == itemTag)
            }
            offset += header
            if isSequence {
                open.append((length == 0xFFFF_FFFF ? nil : offset + Int(length), true))
                sequences += 1
                deepest = max(deepest, sequences)
                if deepest > limit { return deepest }
            } else {
                guard length != 0xFFFF_FFFF else { return nil }
                offset += Int(length)
            }
        }
        return deepest
    }
}

/// Reads a file's bytes at any offset through one cached 64 KB window, so a
/// walk over element headers costs a read per window, not per element.
private final class ChunkReader {
    let fd: Int32
    let size: Int
    private var window = [UInt8]()
    private var windowStart = -1

    init?(path: String) {
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0 else { close(fd); return nil }
        size = Int(st.st_size)
    }

    deinit { close(fd) }

    func bytes(at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset + count <= size else { return nil }
        if windowStart < 0 || offset < windowStart || offset + count > windowStart + window.count {
            let length = min(max(count, 64 << 10), size - offset)
            window = [UInt8](repeating: 0, count: length)
            let n = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
            guard n == length else { windowStart = -1; return nil }
            windowStart = offset
        }
        let from = offset - windowStart
        return Array(window[from..<(from + count)])
    }

    func uint32(at offset: Int, little: Bool) -> UInt32? {
        guard let b = bytes(at: offset, count: 4) else { return nil }
        return little ? UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
            : UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
    }
}
