import Annotations
import Foundation
import TesseraSupport

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

/// The half of a suite a case belongs to, or (`all`) which cases a run takes.
/// Calibration cases fit profiles; test cases only ever check them.
public enum Split: String, Sendable, Codable, CaseIterable {
    case test, calibration, all

    /// Whether a run over `self` takes a case of split `c`.
    public func includes(_ c: Split) -> Bool { self == .all || self == c }
}

public struct SuiteCase: Sendable, Codable {
    public var id: String
    /// Image path, relative to the suite file's folder.
    public var image: String
    public var frame: Int?
    /// Calibration or test.
    public var split: Split
    public var rois: [ROISourceRef]?
    public var lesions: [LesionSpec]?

    public init(id: String, image: String, frame: Int?, split: Split, rois: [ROISourceRef]?, lesions: [LesionSpec]?) {
        self.id = id; self.image = image; self.frame = frame; self.split = split; self.rois = rois; self.lesions = lesions
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
            throw SuiteError.unreadable(path: file, reason: describeError(error))
        }
    }
}
