import DicomIO
import Foundation
import Imaging

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
                throw ROISourceError.unreadable(path: path, reason: "not a tessera.rois/1 JSON, LIDC XML, PNG mask or DICOM file (\(error))")
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
        return try CasePreparation.load(ref, folder: FileManager.default.currentDirectoryPath, image: image,
                                        frame: frame, plane: plane)
    }
}
