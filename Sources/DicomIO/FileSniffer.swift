import Foundation

/// Cheap checks on a file's first and last bytes, used to tell "not DICOM"
/// from "broken DICOM" and to name the shortfall of truncated pixel data.
enum FileSniffer {
    enum Kind { case part10, rawDataset, notDicom }

    /// Part 10 files have "DICM" at byte 128; raw datasets (no preamble, no
    /// meta header) start with a group 0002, 0008 tag in either byte order.
    static func kind(of path: String) -> Kind {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .notDicom }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 132)
        let n = read(fd, &head, 132)
        head.removeLast(132 - max(n, 0))
        if head.count == 132 && head[128...131].elementsEqual("DICM".utf8) { return .part10 }
        guard head.count >= 8 else { return .notDicom }
        let groupLE = UInt16(head[0]) | UInt16(head[1]) << 8
        let groupBE = UInt16(head[0]) << 8 | UInt16(head[1])
        return [0x0002, 0x0008].contains(groupLE) || [0x0002, 0x0008].contains(groupBE) ? .rawDataset : .notDicom
    }

    /// Declared and available byte counts of a native Pixel Data element that
    /// runs past the end of the file, found from its tag near the end.
    static func pixelDataShortfall(path: String) -> (declared: UInt64, available: UInt64)? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return nil }
        return data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64)? in
            let n = bytes.count
            var i = 0
            while i + 8 <= n {
                defer { i += 1 }
                guard bytes[i] == 0xE0, bytes[i + 1] == 0x7F, bytes[i + 2] == 0x10, bytes[i + 3] == 0x00 else { continue }
                // Explicit VR: "OB"/"OW", two reserved zero bytes, 32-bit length.
                let explicit = i + 12 <= n && bytes[i + 4] == 0x4F && (bytes[i + 5] == 0x57 || bytes[i + 5] == 0x42)
                    && bytes[i + 6] == 0 && bytes[i + 7] == 0
                let at = explicit ? i + 8 : i + 4
                let declared = (0..<4).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
                let available = UInt64(n - at - 4)
                return declared != 0xFFFF_FFFF && declared > available ? (declared, available) : nil
            }
            return nil
        }
    }
}
