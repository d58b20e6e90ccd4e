import Foundation

enum TestData {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let samples = repo.appendingPathComponent("SampleStudies").path
    static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared/data").path
}
