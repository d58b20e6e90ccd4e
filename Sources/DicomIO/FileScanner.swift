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
    public static func files(under root: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [root] }
        var out: [String] = []
        let absolute = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        var pending = [absolute.hasSuffix("/") && absolute.count > 1 ? String(absolute.dropLast()) : absolute]
        while let folder = pending.popLast() {
            guard let dir = opendir(folder) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard !name.hasPrefix(".") else { continue }
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
        return out.sorted()
    }
}
