import DicomIO
import Foundation
import Imaging
import TesseraSupport

/// Annotations given on the command line, their format told by the file.
public enum ROISources {
    /// `.json` tessera.rois/1, `.xml` LIDC, `.png` label mask, DICOM RTSTRUCT or SEG.
    public static func kind(of path: String) throws -> ROISourceRef.Kind {
        switch (path as NSString).pathExtension.lowercased() {
        case "json": return .json
        case "xml": return .lidc
        case "png": return .png
        default:
            let header: ImageHeader
            do { header = try ImageHeader(file: DicomFile(path: path, headerOnly: true)) } catch {
                throw ROISourceError.unreadable(path: path, reason: "not a tessera.rois/1 JSON, LIDC XML, PNG mask or DICOM file (\(describeError(error)))")
            }
            switch header.modality {
            case "RTSTRUCT": return .rtstruct
            case "SEG": return .seg
            default:
                throw ROISourceError.unreadable(path: path, reason: "DICOM \(header.modality ?? "object without Modality") is not an RTSTRUCT or SEG")
            }
        }
    }

    /// The ROIs in `path` that lie on `frame` of the loaded image.
    public static func load(_ path: String, image: ImageLoader, frame: Int, plane: ImagePlane) throws -> [ROI] {
        let ref = ROISourceRef(kind: try kind(of: path), path: path, includePoints: nil)
        return try load(ref, folder: FileManager.default.currentDirectoryPath, image: image, frame: frame, plane: plane)
    }

    /// `path` as given, or relative to `folder` (a suite's folder, or the current one).
    public static func resolve(_ path: String, _ folder: String) -> String {
        path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
    }

    /// The ROIs of `ref` that lie on `frame` of the loaded image: LIDC outlines and
    /// RTSTRUCT contours by SOP Instance UID, SEG frames by UID or position.
    public static func load(_ ref: ROISourceRef, folder: String, image: ImageLoader, frame: Int, plane: ImagePlane) throws -> [ROI] {
        let path = resolve(ref.path, folder)
        let header = image.dicomHeader
        switch ref.kind {
        case .json:
            return try ROIFile.read(path: path).rois
        case .png:
            return try ROIFile.readPNGMask(path: path)
        case .lidc:
            guard let uid = header?.sopInstanceUID else { return [] }
            return LIDCAnnotations.rois(try LIDCAnnotations.read(path: path), sopInstanceUID: uid, rows: plane.rows,
                                        columns: plane.columns, pixelSpacingMM: plane.spacingMM?.mean ?? 1,
                                        includePoints: ref.includePoints ?? false)
        case .rtstruct:
            guard let header, let uid = header.sopInstanceUID else { return [] }
            return RTStructReader.rois(try RTStructReader.contours(path: path), series: [header])[uid] ?? []
        case .seg:
            guard let header else { return [] }
            return try SegReader.read(path: path).filter { r in
                if let uid = r.sourceSOPInstanceUID, uid == header.sopInstanceUID { return r.sourceFrame == frame }
                guard let p = r.position, let q = header.position(frame: frame) else { return false }
                return zip(p, q).allSatisfy { abs($0 - $1) < 0.01 }
            }.map(\.roi)
        }
    }
}

/// An annotation file for an image (a suite case's, or one given on the command line).
public struct ROISourceRef: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case json, lidc, rtstruct, seg, png }
    public var kind: Kind
    /// Relative to the suite file's folder.
    public var path: String
    /// LIDC: also include sub-3 mm point marks (as 3 mm discs).
    public var includePoints: Bool?

    public init(kind: Kind, path: String, includePoints: Bool? = nil) {
        self.kind = kind; self.path = path; self.includePoints = includePoints
    }
}

