import Annotations
import Calibration
import DicomIO
import Foundation
import Imaging

/// One `--domain NAME=PATH`: a validation suite (folder with suite.json, or
/// the file), or a folder / single image. Images in a folder are cases
/// without ROIs unless a `<stem>.rois.json` (tessera.rois/1) lies beside them
/// or in the `--rois NAME=FOLDER` folder (also matched by SOP Instance UID).
public struct AuditDomain: Sendable {
    public var name: String
    public var path: String
    public var roiFolder: String?

    public init(name: String, path: String, roiFolder: String? = nil) {
        self.name = name; self.path = path; self.roiFolder = roiFolder
    }

    /// The cases to audit: a suite's `split` cases (all when it has none
    /// of that split), or one case per image.
    public func cases(split: Split) throws -> (suite: Suite, folder: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AuditError.input(path: path, reason: "no such file or folder")
        }
        let suiteFile = isDirectory.boolValue ? path + "/suite.json" : path
        if suiteFile.hasSuffix(".json"), FileManager.default.fileExists(atPath: suiteFile) {
            var (suite, folder) = try Suite.load(suiteFile)
            let chosen = suite.cases.filter { $0.split == split }
            if !chosen.isEmpty && split != .all { suite.cases = chosen }
            return (suite, folder)
        }
        let images = isDirectory.boolValue ? FileScanner.files(under: path).filter(Self.isImage) : [path]
        guard !images.isEmpty else { throw AuditError.input(path: path, reason: "no suite.json and no images") }
        let cases = images.sorted().map { image -> SuiteCase in
            let stem = ((image as NSString).lastPathComponent as NSString).deletingPathExtension
            var candidates = [(image as NSString).deletingPathExtension + ".rois.json"]
            if let roiFolder {
                candidates.append(roiFolder + "/" + stem + ".rois.json")
                if let uid = try? ImageHeader(file: DicomFile(path: image, headerOnly: true)).sopInstanceUID {
                    candidates.append(roiFolder + "/" + uid + ".rois.json")
                }
            }
            let rois = candidates.filter { FileManager.default.fileExists(atPath: $0) }.prefix(1)
                .map { ROISourceRef(kind: .json, path: $0) }
            return SuiteCase(id: stem, image: image, frame: 0, split: .test, rois: rois.isEmpty ? nil : Array(rois), lesions: nil)
        }
        return (Suite(name: name, domain: name, description: "images in \(path)", cases: cases), FileManager.default.currentDirectoryPath)
    }

    static func isImage(_ path: String) -> Bool {
        let l = path.lowercased()
        if l.hasSuffix(".rois.json") || l.hasSuffix(".json") || l.hasSuffix(".xml") || l.hasSuffix(".txt") || l.hasSuffix(".md") { return false }
        if ImageLoader.isPhotograph(path: path) { return true }
        return (try? ImageHeader(file: DicomFile(path: path, headerOnly: true)))?.pixel != nil
    }
}

public enum AuditError: Error, CustomStringConvertible, Sendable {
    case input(path: String, reason: String)
    case usage(String)

    public var description: String {
        switch self {
        case .input(let p, let r): return "\(p): \(r)"
        case .usage(let r): return r
        }
    }
}
