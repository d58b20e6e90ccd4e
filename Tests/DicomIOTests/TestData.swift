import Foundation
import Testing
@testable import DicomIO

/// Where the tests find real data: the repo's SampleStudies and the shared
/// reference data beside the repo (present in CI).
enum TestData {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let samples = repo.appendingPathComponent("SampleStudies").path
    static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared/data").path
    static let conformance = shared + "/conformance"

    static var hasShared: Bool { FileManager.default.fileExists(atPath: conformance + "/expected-pydicom.json") }

    /// The pydicom reference values, keyed by file name.
    static func expected() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: conformance + "/expected-pydicom.json"))
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    static func scratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-tests-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
