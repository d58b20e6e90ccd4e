import Foundation

/// Lists candidate DICOM files below a folder (recursive, sorted, hidden
/// files skipped). Which of them really are DICOM is decided by reading.
public enum FileScanner {
    public static func files(under root: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [root] }
        let url = URL(fileURLWithPath: root)
        guard let walker = FileManager.default.enumerator(
            at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        for case let file as URL in walker {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            out.append(file.path)
        }
        return out.sorted()
    }
}
