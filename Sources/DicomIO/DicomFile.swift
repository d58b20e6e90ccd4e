import CDicom
import Foundation
import TesseraSupport

/// An open DICOM object, read through DCMTK. Large elements (pixel data)
/// stay on disk until a frame is asked for. Not thread-safe: one owner at a time.
public final class DicomFile {
    public let path: String
    let handle: OpaquePointer

    /// Elements larger than this are left on disk and read on demand, so a
    /// big multi-frame object is never held whole; a single slice is read in
    /// the same pass as its header (one open, one sequential read).
    static let lazyLoadThreshold: UInt32 = 4 << 20

    /// How much of a file to parse.
    public enum Extent: Sendable {
        /// Everything (pixel data above `lazyLoadThreshold` stays on disk).
        case all
        /// The header: parsing stops before Pixel Data.
        case header

        var stopTag: UInt32 {
            switch self {
            case .all: return 0
            case .header: return 0x7FE0_0010
            }
        }
    }

    public convenience init(path: String, headerOnly: Bool = false) throws(DicomError) {
        try self.init(path: path, extent: headerOnly ? .header : .all)
    }

    /// XXH3-128 of the whole file (lowercase hex of its canonical bytes),
    /// when opened with `hashingContent`: computed from the bytes DCMTK
    /// reads, so the file is read once for both.
    public let contentHash: String?

    /// Encapsulated pixel data: the fragment items of each frame, found once
    /// (`EncapsulatedFrames`).
    var frameItems: [ClosedRange<Int>]?

    public init(path: String, extent: Extent, hashingContent: Bool = false) throws(DicomError) {
        DicomFile.initializeCodecs()
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .fileNotFound(path: path) }
        if info.st_size == 0 { throw .emptyFile(path: path) }
        let kind = FileSniffer.kind(of: path)
        if kind == .notDicom {
            throw .notDicom(path: path, reason: "no 'DICM' marker at byte 128 and no DICOM dataset at byte 0")
        }
        if let depth = NestingScan.depth(path: path), depth > NestingScan.limit {
            throw .nestedTooDeep(path: path, depth: depth, limit: NestingScan.limit)
        }
        var err = [CChar](repeating: 0, count: 512)
        var digest = [UInt8](repeating: 0, count: hashingContent ? 16 : 0)
        let opened = digest.withUnsafeMutableBufferPointer { d in
            tdcm_open(path, Self.lazyLoadThreshold, extent.stopTag, hashingContent ? d.baseAddress : nil, &err, err.count)
        }
        guard let h = opened else {
            if case .all = extent, let (declared, available) = FileSniffer.pixelDataShortfall(path: path) {
                throw .truncatedPixelData(path: path, expectedBytes: declared, actualBytes: available)
            }
            let reason = cString(err)
            throw .notDicom(path: path, reason: kind == .rawDataset ? "raw dataset without meta header: \(reason)" : reason)
        }
        self.path = path
        self.handle = h
        contentHash = hashingContent ? lowercaseHex(digest) : nil
    }

    deinit { tdcm_close(handle) }

    /// Registers DCMTK's codecs exactly once, before any concurrent use, and
    /// starts loading the data dictionary on a thread of its own.
    public static func initializeCodecs() { tdcm_initialize() }

    /// Process-wide allocator tuning for tools that decode many frames.
    public static func tuneAllocatorForFrameStreaming() { tdcm_tune_allocator() }

    public var transferSyntaxUID: String {
        var buf = [CChar](repeating: 0, count: 128)
        tdcm_transfer_syntax(handle, &buf, buf.count)
        return cString(buf)
    }

    public var hasMetaHeader: Bool { tdcm_has_meta_header(handle) != 0 }

    /// The element's value with all its values joined by '\', or nil when absent.
    public func string(_ path: TagPath) -> String? {
        var needed = 0
        var buf = [CChar](repeating: 0, count: 256)
        var status = tdcm_get_string(handle, path.rawValue, &buf, buf.count, &needed)
        if status == TDCM_ERROR && needed >= buf.count {
            buf = [CChar](repeating: 0, count: needed + 1)
            status = tdcm_get_string(handle, path.rawValue, &buf, buf.count, &needed)
        }
        guard status == TDCM_OK else { return nil }
        return trimmed(cString(buf))  // DCMTK already normalises; this catches binary VRs' padding
    }

    /// Non-empty trimmed string values, split at '\'.
    public func strings(_ path: TagPath) -> [String] {
        guard let s = string(path), !s.isEmpty else { return [] }
        return s.split(separator: "\\", omittingEmptySubsequences: false).map { trimmed(String($0)) }
    }

    /// Numeric values (DS, IS, US, FL…); nil when absent or empty. Throws when
    /// present but not numeric, so a broken header is never read as 0.
    public func doubles(_ path: TagPath) throws(DicomError) -> [Double]? {
        let values = strings(path)
        if values.isEmpty { return nil }
        var out: [Double] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard let d = Double(v), d.isFinite else {
                throw .invalidAttribute(path: self.path, name: path.name, value: values.joined(separator: "\\"))
            }
            out.append(d)
        }
        return out
    }

    public func double(_ path: TagPath) throws(DicomError) -> Double? {
        try doubles(path)?.first
    }

    public func int(_ path: TagPath) throws(DicomError) -> Int? {
        guard let d = try double(path) else { return nil }
        guard d == d.rounded(), abs(d) < 1e15 else {
            throw .invalidAttribute(path: self.path, name: path.name, value: String(d))
        }
        return Int(d)
    }

    /// A required integer attribute.
    public func requiredInt(_ path: TagPath) throws(DicomError) -> Int {
        guard let v = try int(path) else { throw .missingAttribute(path: self.path, name: path.name) }
        return v
    }

    public func uint16Array(_ path: TagPath) -> [UInt16]? {
        var count = 0
        guard tdcm_get_uint16_count(handle, path.rawValue, &count) == TDCM_OK, count > 0 else { return nil }
        var out = [UInt16](repeating: 0, count: count)
        guard tdcm_get_uint16_array(handle, path.rawValue, &out, count) == TDCM_OK else { return nil }
        return out
    }

    public func itemCount(_ path: TagPath) -> Int {
        var count: UInt32 = 0
        return tdcm_item_count(handle, path.rawValue, &count) == TDCM_OK ? Int(count) : 0
    }
}

/// Strips DICOM padding (spaces, NULs) from both ends without Foundation.
func trimmed(_ s: String) -> String {
    let pad: (Character) -> Bool = { $0 == " " || $0 == "\0" }
    guard let first = s.firstIndex(where: { !pad($0) }), let last = s.lastIndex(where: { !pad($0) }) else { return "" }
    return String(s[first...last])
}
