import CDicom

/// Finds the codestream of one frame in encapsulated pixel data: by the
/// Basic Offset Table when present, else one fragment per frame, else by
/// codestream start markers.
struct EncapsulatedFrames {
    let file: DicomFile
    let frames: Int

    func codestream(frame: Int) throws(DicomError) -> [UInt8] {
        var err = ShimError()
        var items: UInt32 = 0
        guard tdcm_item_count_encapsulated(file.handle, &items, &err.buffer, err.buffer.count) == TDCM_OK else {
            throw .brokenFragments(path: file.path, reason: err.message)
        }
        let fragments = Int(items) - 1
        guard fragments >= 1 else { throw .brokenFragments(path: file.path, reason: "no fragments after the offset table") }
        if frames == 1 { return try concatenate(1...fragments) }
        let table = try read(item: 0)
        if table.count >= frames * 4 {
            return try byOffsetTable(table, frame: frame, fragments: fragments)
        }
        if fragments == frames { return try read(item: frame + 1) }
        return try byStartMarkers(frame: frame, fragments: fragments)
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

    /// Offsets count from the first byte of the first fragment's item tag.
    private func byOffsetTable(_ table: [UInt8], frame: Int, fragments: Int) throws(DicomError) -> [UInt8] {
        func offset(_ f: Int) -> Int {
            Int(UInt32(table[4 * f]) | UInt32(table[4 * f + 1]) << 8 | UInt32(table[4 * f + 2]) << 16 | UInt32(table[4 * f + 3]) << 24)
        }
        let start = offset(frame)
        let end = frame + 1 < frames ? offset(frame + 1) : Int.max
        var position = 0
        var selected: [Int] = []
        for item in 1...fragments {
            if position >= start && position < end { selected.append(item) }
            position += try length(item: item) + 8
        }
        guard let first = selected.first, let last = selected.last else {
            throw .brokenFragments(path: file.path, reason: "offset table points frame \(frame) at no fragment")
        }
        return try concatenate(first...last)
    }

    private func byStartMarkers(frame: Int, fragments: Int) throws(DicomError) -> [UInt8] {
        var starts: [Int] = []
        for item in 1...fragments {
            let data = try read(item: item)
            if Self.startsCodestream(data) { starts.append(item) }
        }
        guard starts.count == frames else {
            throw .brokenFragments(path: file.path, reason: "\(fragments) fragments, \(starts.count) codestream starts, \(frames) frames")
        }
        let end = frame + 1 < frames ? starts[frame + 1] - 1 : fragments
        return try concatenate(starts[frame]...end)
    }

    /// A J2K codestream begins with SOC+SIZ (FF4F FF51); a JP2 file with its signature box.
    static func startsCodestream(_ d: [UInt8]) -> Bool {
        if d.count >= 4 && d[0] == 0xFF && d[1] == 0x4F && d[2] == 0xFF && d[3] == 0x51 { return true }
        return d.count >= 8 && d[4] == 0x6A && d[5] == 0x50 && d[6] == 0x20 && d[7] == 0x20
    }
}
