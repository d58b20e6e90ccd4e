import Foundation

/// A validation suite (`Validation/<name>/suite.json`): real images, their
/// annotations, and synthetic lesions to insert, split into calibration and
/// test cases.
public struct Suite: Sendable, Codable {
    public static let schemaID = "tessera.suite/1"
    public var schema: String = Suite.schemaID
    public var name: String
    public var domain: String
    public var description: String?
    public var cases: [SuiteCase]

    public init(name: String, domain: String, description: String?, cases: [SuiteCase]) {
        self.name = name; self.domain = domain; self.description = description; self.cases = cases
    }
}

public struct SuiteCase: Sendable, Codable {
    public var id: String
    /// Image path, relative to the suite file's folder.
    public var image: String
    public var frame: Int?
    /// "calibration" or "test".
    public var split: String
    public var rois: [ROISourceRef]?
    public var lesions: [LesionSpec]?

    public init(id: String, image: String, frame: Int?, split: String, rois: [ROISourceRef]?, lesions: [LesionSpec]?) {
        self.id = id; self.image = image; self.frame = frame; self.split = split; self.rois = rois; self.lesions = lesions
    }
}

/// An annotation file for a case's image.
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

public enum SuiteError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case caseFailed(suite: String, caseID: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot read suite (\(r))"
        case .caseFailed(let s, let c, let r): return "\(s) case \(c): \(r)"
        }
    }
}

extension Suite {
    /// Reads `PATH/suite.json` (or PATH itself when it is the file).
    public static func load(_ path: String) throws -> (suite: Suite, folder: String) {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let file = isDirectory.boolValue ? path + "/suite.json" : path
        do {
            let suite = try JSONDecoder().decode(Suite.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            guard suite.schema == schemaID else { throw SuiteError.unreadable(path: file, reason: "schema '\(suite.schema)'") }
            return (suite, (file as NSString).deletingLastPathComponent)
        } catch let e as SuiteError {
            throw e
        } catch {
            throw SuiteError.unreadable(path: file, reason: "\(error)")
        }
    }
}
