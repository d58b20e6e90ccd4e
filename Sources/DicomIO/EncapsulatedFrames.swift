import CDicom

/// Finds the codestream of one frame in encapsulated pixel data: by the
/// Basic Offset Table when present, else one fragment per frame, else by
/// codestream start markers.
struct EncapsulatedFrames {
    let file: DicomFile
    let frames: Int

    func codestream(frame: Int) throws(DicomError) -> [UInt8] {
        // The item ranges of every frame are worked out once per file: by
        // start markers that means reading every fragment, which per frame
        // made a multi-frame object without an offset table O(frames²).
        let ranges: [ClosedRange<Int>]
        if let cached = file.frameItems, cached.count == frames {
            ranges = cached
        } else {
            ranges = try itemRanges()
            file.frameItems = ranges
        }
        guard frame >= 0, frame < ranges.count else {
            throw .brokenFragments(path: file.path, reason: "no fragments for frame \(frame)")
        }
        return try concatenate(ranges[frame])
    }

    /// The fragments (item indices, 1-based after the offset table) of each frame.
    private func itemRanges() throws(DicomError) -> [ClosedRange<Int>] {
        var err = ShimError()
        var items: UInt32 = 0
        guard tdcm_item_count_encapsulated(file.handle, &items, &err.buffer, err.buffer.count) == TDCM_OK else {
            throw .brokenFragments(path: file.path, reason: err.message)
        }
        let fragments = Int(items) - 1
        guard fragments >= 1 else { throw .brokenFragments(path: file.path, reason: "no fragments after the offset table") }
        if frames == 1 { return [1...fragments] }
        let table = try read(item: 0)
        if table.count >= frames * 4, let ranges = try byOffsetTable(table, fragments: fragments) { return ranges }
        if fragments == frames { return (1...frames).map { $0...$0 } }
        return try byStartMarkers(fragments: fragments)
    }

    private func length(item: Int) throws(DicomError) -> Int {
        var err = ShimError()
        var len: UInt32 = 0
        guard tdcm_encapsulated_item_length(file.handle, UInt32(item), &len, &err.buffer, err.buffer.count) == TDCM_OK else {
            throw .brokenFragments(path: file.path, reason: err.message)
        }
        return Int(len)
    }

    private func read(item: Int) throws(DicomError) -> [UInt8] {
        let n = try length(item: item)
        var out = [UInt8](repeating: 0, count: n)
        var err = ShimError()
        guard tdcm_read_encapsulated_item(file.handle, UInt32(item), &out, UInt32(n), &err.buffer, err.buffer.count) == TDCM_OK else {
            throw .brokenFragments(path: file.path, reason: err.message)
        }
        return out
    }

    private func concatenate(_ items: ClosedRange<Int>) throws(DicomError) -> [UInt8] {
        if items.count == 1 { return try read(item: items.lowerBound) }
        var out: [UInt8] = []
        for i in items { out += try read(item: i) }
        return out
    }

    /// Offsets count from the first byte of the first fragment's item tag;
    /// each fragment belongs to the last frame whose offset is at or before
    /// it. nil for a table that does not start at 0 and increase (the other
    /// ways are tried then).
    private func byOffsetTable(_ table: [UInt8], fragments: Int) throws(DicomError) -> [ClosedRange<Int>]? {
        func offset(_ f: Int) -> Int {
            Int(UInt32(table[4 * f]) | UInt32(table[4 * f + 1]) << 8 | UInt32(table[4 * f + 2]) << 16 | UInt32(table[4 * f + 3]) << 24)
        }
        let offsets = (0..<frames).map(offset)
        guard offsets.first == 0, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
        var first = [Int?](repeating: nil, count: frames), last = first
        var position = 0, frame = 0
        for item in 1...fragments {
            while frame + 1 < frames && offsets[frame + 1] <= position { frame += 1 }
            if first[frame] == nil { first[frame] = item }
            last[frame] = item
            position += try length(item: item) + 8
        }
        var out: [ClosedRange<Int>] = []
        for f in 0..<frames {
            guard let a = first[f], let b = last[f] else {
                throw .brokenFragments(path: file.path, reason: "offset table points frame \(f) at no fragment")
            }
            out.append(a...b)
        }
        return out
    }

    private func byStartMarkers(fragments: Int) throws(DicomError) -> [ClosedRange<Int>] {
        var starts: [Int] = []
        for item in 1...fragments where Self.startsCodestream(try read(item: item)) { starts.append(item) }
        guard starts.count == frames, starts.first == 1 else {
            throw .brokenFragments(path: file.path, reason: "\(fragments) fragments, \(starts.count) codestream starts, \(frames) frames")
        }
        return starts.indices.map { k in starts[k]...(k + 1 < starts.count ? starts[k + 1] - 1 : fragments) }
    }

    /// A J2K codestream begins with SOC+SIZ (FF4F FF51); a JP2 file with its signature box.
    static func startsCodestream(_ d: [UInt8]) -> Bool {
        if d.count >= 4 && d[0] == 0xFF && d[1] == 0x4F && d[2] == 0xFF && d[3] == 0x51 { return true }
        return d.count >= 8 && d[4] == 0x6A && d[5] == 0x50 && d[6] == 0x20 && d[7] == 0x20
    }
}
