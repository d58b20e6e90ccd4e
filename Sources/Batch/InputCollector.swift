import FileOutput
import CXXHash
import DicomIO
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TesseraSupport
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
                let (files, undecodable) = FileScanner.scan(under: input)
                out += files.filter { !isArchive($0) && !isSidecar($0) }.map { BatchInput(path: $0, name: $0) }
                for raw in undecodable where !isSidecar(raw.shown) {
                    do { out.append(try link(raw, in: workFolder)) } catch { problems.append((raw.shown, "\(error)")) }
                }
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

    /// A file whose name is not UTF-8 is read through a symbolic link with
    /// a plain name (symlink(2) takes the raw bytes); reports name it with
    /// the bytes escaped.
    static func link(_ raw: FileScanner.RawPath, in work: String) throws -> BatchInput {
        let folder = work + "/raw-names"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let link = folder + "/" + String(stableHash(raw.shown), radix: 16)
        unlink(link)
        let target = raw.bytes.map { CChar(bitPattern: $0) } + [0]
        guard symlink(target, link) == 0 else {
            throw BatchError.input(path: raw.shown, reason: "cannot link the file (\(errnoDescription()))")
        }
        return BatchInput(path: link, name: raw.shown)
    }

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
            throw BatchError.input(path: zip, reason: "not a readable zip archive (\(describeError(error)))")
        }
        // Keyed by path, size and modification time: a changed archive is extracted afresh.
        let attributes = try? FileManager.default.attributesOfItem(atPath: zip)
        let stamp = "\((zip as NSString).standardizingPath)|\(attributes?[.size] ?? 0)|\((attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        let target = work + "/zip-" + String(stableHash(stamp), radix: 16)
        var out: [BatchInput] = []
        var expanded: UInt64 = 0
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for (i, entry) in archive.enumerated() where entry.type == .file {
            // Members are stored under their index: names from the archive never become paths.
            let path = target + "/\(i)"
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64 {
                expanded += size
            } else {
                expanded += try streamMember(entry, of: archive, zip: zip, to: path, expandedSoFar: expanded)
            }
            out.append(BatchInput(path: path, name: zip + ":" + entry.path))
        }
        return out
    }

    /// Limits on what one archive may expand to: a zip bomb (a few MB that
    /// inflate to gigabytes) fails its archive with a clear error instead of
    /// filling the disk or the memory; the other inputs go on.
    public static let maxExpandedBytes: UInt64 = 64 << 30
    public static let maxExpansionRatio: UInt64 = 200
    /// Below this a member's ratio is not judged (tiny, highly regular files).
    static let ratioFloorBytes: UInt64 = 16 << 20

    /// Streams one member to disk through a temporary file (renamed into
    /// place when whole), counting the bytes as they come: the sizes a zip
    /// header declares are not trusted. Returns the member's size.
    static func streamMember(_ entry: Entry, of archive: Archive, zip: String, to path: String,
                             expandedSoFar: UInt64) throws -> UInt64 {
        let compressed = max(UInt64(entry.compressedSize), 1)
        var written: UInt64 = 0
        do {
            try AtomicWrite.write(to: path) { temp in
                let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw BatchError.input(path: zip, reason: "cannot write \(temp) (\(errnoDescription()))") }
                defer { close(fd) }
                _ = try archive.extract(entry, skipCRC32: false) { chunk in
                    written += UInt64(chunk.count)
                    if expandedSoFar + written > maxExpandedBytes {
                        throw BatchError.input(path: zip, reason: "zip expands past \(maxExpandedBytes >> 30) GiB; refused as a zip bomb")
                    }
                    if written > ratioFloorBytes && written / compressed > maxExpansionRatio {
                        throw BatchError.input(path: zip, reason: "member '\(entry.path)' expands more than \(maxExpansionRatio)× "
                                               + "(\(compressed) bytes compressed); refused as a zip bomb")
                    }
                    let failure = chunk.withUnsafeBytes { AtomicWrite.writeAll($0, to: fd) }
                    if failure != 0 {
                        throw BatchError.input(path: zip, reason: "writing member '\(entry.path)' failed (\(errnoDescription(failure)))")
                    }
                }
            }
        } catch let error as BatchError {
            throw error
        } catch {
            throw BatchError.input(path: zip, reason: "member '\(entry.path)' could not be extracted (\(describeError(error)))")
        }
        return written
    }

    /// XXH3-128 of a file's bytes, 32 hex digits (as `xxhsum -H2`): the
    /// resume key (and what tells a re-exported duplicate from a conflict).
    /// A change detector, not a signature: SHA-256 of each input cost 9% of
    /// a CT batch's CPU (one sixth of the tokenizer); XXH3 costs a sixth of that.
    public static func contentHash(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BatchError.input(path: path, reason: "cannot open (\(errnoDescription()))") }
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
                throw BatchError.input(path: path, reason: "read failed (\(errnoDescription()))")
            }
            if n == 0 { break }
            XXH3_128bits_update(state, buffer.baseAddress, n)
        }
        var canonical = XXH128_canonical_t()
        XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state))
        return withUnsafeBytes(of: canonical.digest) { lowercaseHex($0) }
    }
}
