import FileOutput
import CXXHash
import DicomIO
import Foundation
import ZIPFoundation

/// One file a batch will read: on disk, or extracted from a zip archive.
public struct BatchInput: Sendable, Hashable {
    /// Path to read from.
    public var path: String
    /// What reports and the catalog call it ("archive.zip:dir/file.dcm" for zip members).
    public var name: String
}

/// Expands the command line's inputs: folders (recursive), zip archives of
/// DICOM (as PACS exports), DICOMDIR files (their folder is scanned), and
/// single files. Zip members are extracted once into the batch's work folder.
public enum InputCollector {
    public static func collect(_ inputs: [String], workFolder: String) throws -> (inputs: [BatchInput], problems: [(String, String)]) {
        var out: [BatchInput] = [], problems: [(String, String)] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                problems.append((input, "no such file or folder"))
                continue
            }
            if isDirectory.boolValue {
                let files = FileScanner.files(under: input)
                out += files.filter { !isArchive($0) && !isSidecar($0) }.map { BatchInput(path: $0, name: $0) }
                for zip in files where isArchive(zip) {
                    do { out += try extract(zip, into: workFolder) } catch { problems.append((zip, "\(error)")) }
                }
            } else if isArchive(input) {
                do { out += try extract(input, into: workFolder) } catch { problems.append((input, "\(error)")) }
            } else if (input as NSString).lastPathComponent.uppercased() == "DICOMDIR" {
                let folder = (input as NSString).deletingLastPathComponent
                out += FileScanner.files(under: folder).filter { $0 != input && !isArchive($0) }.map { BatchInput(path: $0, name: $0) }
            } else {
                out.append(BatchInput(path: input, name: input))
            }
        }
        // The same file named twice is read once.
        var seen = Set<String>()
        return (out.filter { seen.insert($0.path).inserted }.sorted { $0.name < $1.name }, problems)
    }

    static func isArchive(_ path: String) -> Bool { path.lowercased().hasSuffix(".zip") }

    /// Files found in a folder that are plainly not images (provenance,
    /// annotations, reports) are passed over; a file named on the command
    /// line, or with any other name, is read and fails loudly if broken.
    static let sidecarExtensions: Set<String> = ["md", "txt", "xml", "json", "csv", "pdf", "html", "nii", "gz", "log", "sqlite"]
    static func isSidecar(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return name == "LICENSE" || name.hasPrefix("README") || sidecarExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// Extracts regular members into WORK/zip-<hash of the archive path>/.
    static func extract(_ zip: String, into work: String) throws -> [BatchInput] {
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: zip), accessMode: .read) } catch {
            throw BatchError.input(path: zip, reason: "not a readable zip archive (\(error))")
        }
        // Keyed by path, size and modification time: a changed archive is extracted afresh.
        let attributes = try? FileManager.default.attributesOfItem(atPath: zip)
        let stamp = "\((zip as NSString).standardizingPath)|\(attributes?[.size] ?? 0)|\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        let target = work + "/zip-" + String(stableHash(stamp), radix: 16)
        var out: [BatchInput] = []
        for (i, entry) in archive.enumerated() where entry.type == .file {
            // Members are stored under their index: names from the archive never become paths.
            let path = target + "/\(i)"
            if !FileManager.default.fileExists(atPath: path) {
                var data = Data()
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
                try AtomicWrite.write([UInt8](data), to: path)
            }
            out.append(BatchInput(path: path, name: zip + ":" + entry.path))
        }
        return out
    }

    /// XXH3-128 of a file's bytes, 32 hex digits (as `xxhsum -H2`): the
    /// resume key (and what tells a re-exported duplicate from a conflict).
    /// A change detector, not a signature: SHA-256 of each input cost 9% of
    /// a CT batch's CPU (one sixth of the tokenizer); XXH3 costs a sixth of that.
    public static func contentHash(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BatchError.input(path: path, reason: "cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        guard let state = XXH3_createState() else { throw BatchError.input(path: path, reason: "out of memory for the hash state") }
        defer { XXH3_freeState(state) }
        XXH3_128bits_reset(state)
        // Read, not mapped: a file truncated while mapped would kill the
        // batch with SIGBUS. A small uninitialised buffer that stays in cache.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw BatchError.input(path: path, reason: "read failed (\(String(cString: strerror(errno))))")
            }
            if n == 0 { break }
            XXH3_128bits_update(state, buffer.baseAddress, n)
        }
        var canonical = XXH128_canonical_t()
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state))
        return withUnsafeBytes(of: canonical.digest) { lowercaseHex($0) }
    }
}
