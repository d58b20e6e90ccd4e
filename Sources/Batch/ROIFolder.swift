import Annotations
import Foundation

/// `--rois DIR`: tessera.rois/1 files named by SOP Instance UID, as
/// `tessera rois from-lidc` writes them: `<SOP>.rois.json` for frame 0 (or
/// the frame its `image.frame` names) and `<SOP>_f<NNNN>.rois.json` for
/// other frames.
public struct ROIFolder: Sendable {
    public let path: String

    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw BatchError.usage("--rois \(path): not a folder")
        }
        self.path = path
    }

    /// Content hashes of the instance's ROI files: part of what a done row
    /// was made with, so an edited annotation redoes the instance.
    public func fingerprint(sop: String?, frames: Int) throws -> String {
        guard let sop else { return "" }
        let name = OutputLayout.component(sop, fallback: "instance")
        let candidates = [path + "/" + name + ".rois.json"] + (0..<frames).map { path + "/" + name + String(format: "_f%04d", $0) + ".rois.json" }
        return try candidates.filter { FileManager.default.fileExists(atPath: $0) }
            .map { try InputCollector.contentHash($0).prefix(16) }.joined(separator: ",")
    }

    /// The ROIs annotated on `frame` of the instance, and the file they came
    /// from (nil when there is none). A file for another image size is an error.
    public func rois(sop: String?, frame: Int, rows: Int, columns: Int) throws -> (rois: [ROI], file: String?) {
        guard let sop else { return ([], nil) }
        let name = OutputLayout.component(sop, fallback: "instance")
        let candidates = [path + "/" + name + String(format: "_f%04d", frame) + ".rois.json", path + "/" + name + ".rois.json"]
        for file in candidates where FileManager.default.fileExists(atPath: file) {
            let set = try ROIFile.read(path: file)
            guard (set.image.frame ?? 0) == frame || file == candidates[0] else { continue }
            guard set.image.rows == rows, set.image.columns == columns else {
                throw BatchError.input(path: file, reason: "ROIs are for a \(set.image.columns)×\(set.image.rows) image; "
                                       + "the frame is \(columns)×\(rows)")
            }
            return (set.rois, file)
        }
        return ([], nil)
    }
}
