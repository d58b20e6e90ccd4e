import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lists candidate DICOM files below a folder (recursive, sorted, absolute
/// paths, hidden files skipped; a symbolic link to a file is listed, one to a
/// folder is not followed, so no cycle is possible). Which of them really are
/// DICOM is decided by reading. readdir's file types make this one system
/// call per folder; FileManager's enumerator asked for each file's attributes.
public enum FileScanner {
    public static func files(under root: String) -> [String] { scan(under: root).files }

    /// A file whose path is not valid UTF-8 (a Latin-1 name from an old
    /// share): its raw bytes, which open(2) takes, and the path shown with
    /// the offending bytes escaped as \xNN.
    public struct RawPath: Sendable, Hashable {
        public let bytes: [UInt8]
        public let shown: String
    }

    /// Like `files`, plus the files whose paths Swift strings cannot hold.
    public static func scan(under root: String) -> (files: [String], undecodable: [RawPath]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { return ([], []) }
        guard isDirectory.boolValue else { return ([root], []) }
        var out: [String] = [], raw: [RawPath] = []
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        var pending = [absolute.hasSuffix("/") && absolute.count > 1 ? String(absolute.dropLast()) : absolute]
        while let folder = pending.popLast() {
            guard let dir = opendir(folder) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                guard bytes.first != UInt8(ascii: ".") else { continue }
                guard let name = String(validating: bytes, as: UTF8.self) else {
                    // Not UTF-8: kept by its bytes (a regular file only; such a folder is not entered).
                    let path = Array(folder.utf8) + [UInt8(ascii: "/")] + bytes
                    var st = stat()
                    let isFile = path.withUnsafeBufferPointer { p in
                        (p.baseAddress!).withMemoryRebound(to: CChar.self, capacity: p.count) { c -> Bool in
                            var z = Array(UnsafeBufferPointer(start: c, count: p.count)); z.append(0)
                            return stat(z, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
                        }
                    }
                    if isFile { raw.append(RawPath(bytes: path, shown: folder + "/" + escaped(bytes))) }
                    continue
                }
                let path = folder + "/" + name
                var type = Int32(entry.pointee.d_type)
                if type == Int32(DT_UNKNOWN) {  // file systems that do not report types
                    var st = stat()
                    guard lstat(path, &st) == 0 else { continue }
                    type = (st.st_mode & S_IFMT) == S_IFDIR ? Int32(DT_DIR) : (st.st_mode & S_IFMT) == S_IFREG ? Int32(DT_REG)
                        : (st.st_mode & S_IFMT) == S_IFLNK ? Int32(DT_LNK) : 0
                }
                if type == Int32(DT_LNK) {  // a link counts when it leads to a regular file
                    var st = stat()
                    type = stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int32(DT_REG) : 0
                }
                if type == Int32(DT_DIR) { pending.append(path) } else if type == Int32(DT_REG) { out.append(path) }
            }
        }
        return (out.sorted(), raw.sorted { $0.shown < $1.shown })
    }

    /// Valid UTF-8 runs as they are, every other byte as \xNN.
    public static func escaped(_ bytes: [UInt8]) -> String {
        var out = "", i = 0
        while i < bytes.count {
            var j = i + 1
            while j <= bytes.count, String(validating: bytes[i..<j], as: UTF8.self) == nil, j - i < 4 { j += 1 }
            if j <= bytes.count, let s = String(validating: bytes[i..<j], as: UTF8.self) {
                out += s; i = j
            } else {
                out += String(format: "\\x%02X", bytes[i]); i += 1
            }
        }
        return out
    }
}
