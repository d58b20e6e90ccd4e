import Foundation
#if canImport(Glibc)
import Glibc
import TesseraSupport
#endif

/// File-name components from untrusted text (UIDs, case ids): letters,
/// digits, '.', '-', '_', '~' only; no leading dot (so never "." or ".."); at
/// most 96 characters (longer ones keep a prefix and a hash).
public func safeFileNameComponent(_ value: String?, fallback: String) -> String {
    guard let value, !value.isEmpty else { return fallback }
    var out = String(value.unicodeScalars.map { s -> Character in
        let ok = (s >= "0" && s <= "9") || (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "." || s == "-" || s == "_" || s == "~"
        return ok ? Character(s) : "_"
    })
    if out.hasPrefix(".") { out = "_" + out }
    if out.count > 96 { return String(out.prefix(80)) + "-" + String(stableHash(value), radix: 16) }
    // A changed name carries a hash of the raw value, so two values that
    // sanitise alike ("1.2.3/9" and "1.2.3_9") never share an output.
    if out != value { out += "~" + String(String(stableHash(value), radix: 16).prefix(8)) }
    return out
}

/// Writes through a temporary file in the same folder and renames it into
/// place: a killed run leaves either the old file, the new one, or a stray
/// temporary that the next run removes — never a half-written output.
public enum AtomicWrite {
    public static let temporaryMarker = ".tessera-tmp-"

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { temp in
            // POSIX calls: a batch writes thousands of small files, and
            // Foundation's Data.write cost more than the writing.
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileOutputError.system(path: path, errno: errno) }
            defer { close(fd) }
            let failure = bytes.withUnsafeBytes { writeAll($0, to: fd) }
            if failure != 0 { throw FileOutputError.system(path: path, errno: failure) }
        }
    }

    /// Writes every byte to `fd`, retrying short writes and EINTR; 0, or the errno that stopped it.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }

    /// For writers that take a path (C libraries): `produce` writes the
    /// temporary file, which is renamed into place only if it returns.
    public static func write(to path: String, _ produce: (_ temporaryPath: String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            // One access() when the folder exists (the common case) instead
            // of FileManager's stat of every path component.
            if access(dir.path, F_OK) != 0 { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        } catch {
            throw FileOutputError.write(path: path, reason: "cannot create folder \(dir.path): \(describeError(error))")
        }
        let temp = dir.appendingPathComponent("\(temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(url.lastPathComponent)").path
        do {
            try produce(temp)
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: temp)
            throw FileOutputError.system(path: path, errno: code)
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    /// Removes temporaries a killed run left below `root`.
    public static func removeStale(under root: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var removed = 0
        for case let relative as String in walker where (relative as NSString).lastPathComponent.hasPrefix(temporaryMarker) {
            if (try? FileManager.default.removeItem(atPath: root + "/" + relative)) != nil { removed += 1 }
        }
        return removed
    }
}

public enum FileOutputError: Error, CustomStringConvertible, Sendable {
    /// A failure described in words (a folder that cannot be made).
    case write(path: String, reason: String)
    /// A failed system call, with its errno: callers tell a full disk
    /// (ENOSPC, EDQUOT) from other failures by the code, not the text.
    case system(path: String, errno: Int32)

    public var errnoCode: Int32? {
        if case .system(_, let code) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .write(let p, let r): return "\(p): cannot write (\(r))"
        case .system(let p, let code): return "\(p): cannot write (\(errnoDescription(code)))"
        }
    }
}
