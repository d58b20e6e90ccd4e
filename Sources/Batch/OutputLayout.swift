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

/// FNV-1a 64: stable across runs and machines (sharding, names).
public func stableHash(_ s: String) -> UInt64 {
    s.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
}

/// Writes through a temporary file in the same folder and renames it into
/// place: a killed run leaves either the old file, the new one, or a stray
/// temporary that the next run removes — never a half-written output.
public enum AtomicWrite {
    public static let temporaryMarker = ".tessera-tmp-"

    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent("\(temporaryMarker)\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(url.lastPathComponent)")
        try Data(bytes).write(to: temp)
        guard rename(temp.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temp)
            throw BatchError.write(path: path, reason: reason)
        }
    }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    /// Removes temporaries a killed run left below `root`.
    public static func removeStale(under root: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var removed = 0
        for case let relative as String in walker where (relative as NSString).lastPathComponent.hasPrefix(temporaryMarker) {
            if (try? FileManager.default.removeItem(atPath: root + "/" + relative)) != nil { removed += 1 }
        }
        return removed
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
