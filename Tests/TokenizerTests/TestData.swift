import TestSupport

enum TestData {
    static let repo = Reference.repo
    static let samples = Reference.samples
    static let shared = Reference.data
}
