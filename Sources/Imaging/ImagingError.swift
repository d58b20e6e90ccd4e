import DicomIO

public enum ImagingError: Error, CustomStringConvertible, Sendable {
    case dicom(DicomError)
    case unreadableImage(path: String, reason: String)
    case unsupportedFile(path: String)

    public var description: String {
        switch self {
        case .dicom(let e): return e.description
        case .unreadableImage(let p, let r): return "\(p): unreadable image (\(r))"
        case .unsupportedFile(let p): return "\(p): not a DICOM, PNG or JPEG file"
        }
    }

    public var path: String {
        switch self {
        case .dicom(let e): return e.path
        case .unreadableImage(let p, _), .unsupportedFile(let p): return p
        }
    }
}
