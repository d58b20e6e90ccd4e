import FileOutput
import Foundation

/// Where a batch writes each output, from DICOM identifiers that are never
/// trusted: every component is sanitised so nothing a file says can write
/// outside the output folder.
public struct OutputLayout: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// Letters, digits, '.', '-', '_', '~' only; no leading dot (so never "." or
    /// ".."); at most 96 characters (longer ones keep a prefix and a hash).
    public static func component(_ value: String?, fallback: String) -> String {
        guard let value, !value.isEmpty else { return fallback }
        var out = String(value.unicodeScalars.map { s -> Character in
            let ok = (s >= "0" && s <= "9") || (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || s == "." || s == "-" || s == "_" || s == "~"
            return ok ? Character(s) : "_"
        })
        if out.hasPrefix(".") { out = "_" + out }
        if out.count > 96 { out = String(out.prefix(80)) + "-" + String(stableHash(value), radix: 16) }
        return out
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
    case write(path: String, reason: String)
    case input(path: String, reason: String)
    case catalog(reason: String)
    case usage(String)

    public var description: String {
        switch self {
        case .write(let p, let r): return "\(p): cannot write (\(r))"
        case .input(let p, let r): return "\(p): \(r)"
        case .catalog(let r): return "catalog: \(r)"
        case .usage(let r): return r
        }
    }
}
