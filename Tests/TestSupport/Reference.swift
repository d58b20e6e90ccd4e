import Foundation

/// Where tests find real data. The full reference corpus sits beside the repo
/// (`../shared/data`, present in CI); a clone without it reads the compact
/// corpus shipped in the repo (`Tests/Corpus/shared/data`: a subset of the
/// full one in the same layout, licences in its PROVENANCE.md). A test that
/// needs a file only the full corpus holds says so with
/// `.enabled(if: Reference.has(…), "…")` and is reported as skipped.
public enum Reference {
    public static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    public static let samples = repo.appendingPathComponent("SampleStudies").path
    public static let validation = repo.appendingPathComponent("Validation").path

    /// `../shared` beside the repo, when it holds the reference data.
    public static let fullRoot = repo.deletingLastPathComponent().appendingPathComponent("shared").path
    public static let compactRoot = repo.appendingPathComponent("Tests/Corpus/shared").path
    public static let hasFullCorpus = FileManager.default.fileExists(atPath: fullRoot + "/data/conformance/expected-pydicom.json")

    /// The reference data folder tests read: the full corpus when present, else the compact one.
    public static let data = (hasFullCorpus ? fullRoot : compactRoot) + "/data"
    /// The reference tools (`check_tokenmap.py`), beside `data`.
    public static let tools = (hasFullCorpus ? fullRoot : compactRoot) + "/tools"
    public static let conformance = data + "/conformance"

    /// Whether every path (relative to `data`) exists in the corpus in use.
    public static func has(_ relative: String...) -> Bool {
        relative.allSatisfy { FileManager.default.fileExists(atPath: data + "/" + $0) }
    }

    /// A fresh scratch folder under the temporary directory.
    public static func scratch(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
