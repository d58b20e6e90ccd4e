/// Why an export could not be made, naming the file where there is one.
public enum ExportError: Error, CustomStringConvertible, Sendable {
    case windowNeedsCT(preset: String, domain: String)
    case needsDICOMSource(path: String, output: String)
    case dicomWrite(path: String, reason: String)
    case pngWrite(path: String, reason: String)
    case tooLarge(path: String, rows: Int, columns: Int)
    case sourceAttributeMissing(path: String, attribute: String)
    case sizeMismatch(path: String, reason: String)

    public var description: String {
        switch self {
        case .windowNeedsCT(let p, let d):
            return "window '\(p)' is a CT preset in Hounsfield units; this image is \(d) (use auto or C,W)"
        case .needsDICOMSource(let p, let o):
            return "\(p): \(o) needs a DICOM source image to reference (this input is not DICOM)"
        case .dicomWrite(let p, let r): return "\(p): cannot write DICOM object (\(r))"
        case .pngWrite(let p, let r): return "\(p): cannot write PNG (\(r))"
        case .tooLarge(let p, let r, let c): return "\(p): \(c)×\(r) is larger than a DICOM object's 65535×65535"
        case .sourceAttributeMissing(let p, let a): return "\(p): no \(a), which a derived DICOM object must reference"
        case .sizeMismatch(let p, let r): return "\(p): \(r)"
        }
    }
}
