import Foundation
import Testing
import TestSupport

/// Where the tests find real data: the repo's SampleStudies and the reference
/// corpus (`Reference`: ../shared/data when present, else the compact copy).
enum TestData {
    static let repo = Reference.repo
    static let samples = Reference.samples
    static let shared = Reference.data
    static let conformance = Reference.conformance

    /// The pydicom reference values, keyed by file name.
    static func expected() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: conformance + "/expected-pydicom.json"))
        return try #require(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    static func scratchDirectory(_ name: String) throws -> URL { try Reference.scratch("tests-" + name) }
}
