import FileOutput
import Foundation

/// Where a batch writes each output, from DICOM identifiers that are never
/// trusted: every component is sanitised so nothing a file says can write
/// outside the output folder.
public struct OutputLayout: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// A path component from an untrusted identifier (see safeFileNameComponent).
    public static func component(_ value: String?, fallback: String) -> String {
        safeFileNameComponent(value, fallback: fallback)
    }

    public func seriesFolder(study: String?, series: String?) -> String {
        root + "/" + Self.component(study, fallback: "unknown-study") + "/" + Self.component(series, fallback: "unknown-series")
    }

    public func tokenMap(study: String?, series: String?, sop: String?, fallbackName: String, frame: Int, frames: Int) -> String {
        let name = Self.component(sop, fallback: Self.component(fallbackName, fallback: "instance"))
        return seriesFolder(study: study, series: series) + "/" + name + (frames > 1 ? String(format: "_f%04d", frame) : "") + ".tokens.json"
    }
}

public enum BatchError: Error, CustomStringConvertible, Sendable {
    case input(path: String, reason: String)
    case catalog(reason: String)
    case usage(String)
    case diskFull(path: String, reason: String)

    public var description: String {
        switch self {
        case .input(let p, let r): return "\(p): \(r)"
        case .catalog(let r): return "catalog: \(r)"
        case .usage(let r): return r
        case .diskFull(let p, let r): return "\(p): disk full: \(r)"
        }
    }
}
