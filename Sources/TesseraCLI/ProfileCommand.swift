import ArgumentParser
import DicomIO
import FileOutput
import Foundation
import Imaging
import Scoring
import TesseraSupport
import Tiling

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Inspect profiles and fit their semantic codebook.",
        subcommands: [ProfileShowCommand.self, ProfileCodebookCommand.self]
    )
}

struct ProfileShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print a profile and its SHA-256.")

    @Argument(help: "ct, xray, natural, or a profile JSON file.")
    var profile: String

    func run() throws {
        let loaded = try Profile.load(profile)
        print("# \(loaded.source)  sha256 \(loaded.sha256)")
        print(try encodeJSON(loaded.profile))
    }
}

struct ProfileCodebookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codebook",
        abstract: "Fit the semantic codebook (k-means over token features) and write the profile with it.",
        discussion: """
            Tokenizes the inputs with the profile, gathers every token's hierarchical feature \
            vector (mean, std, gradient, min, max at the token's pyramid level) and fits k \
            centroids with deterministic k-means++. Each token of a later map carries the index \
            of its nearest centroid as `code`.

              tessera profile codebook --profile ct --k 8 SampleStudies/ct --output ct.json
            """
    )

    @Option(help: "Profile to extend (built-in name or file).")
    var profile: String

    @Option(help: "Number of codes.")
    var k = 8

    @Argument(help: "Images or folders to learn from.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Where to write the profile.")
    var output: String

    func run() async throws {
        let loaded = try Profile.load(profile)
        let files = inputs.flatMap { FileScanner.files(under: $0) }.filter { !$0.hasSuffix(".xml") && !$0.hasSuffix(".txt") && !$0.hasSuffix(".md") }
        var points: [[Double]] = []
        for path in files {
            guard let loader = try? ImageLoader(path: path) else { continue }
            for f in 0..<loader.frames {
                let result = Tokenizer.tokenize(try loader.plane(frame: f), source: loader.source(frame: f),
                                                domain: loader.domain, profile: loaded)
                points += result.map.tokens.compactMap { $0.features }
            }
        }
        guard points.count >= k else { throw ValidationError("only \(points.count) tokens from the inputs; need at least \(k)") }
        var updated = loaded.profile
        updated.codebook = Codebook(features: ImagePyramid.featureNames,
                                    centroids: KMeans.fit(points, k: k).map { $0.map(round4) })
        var provenance = updated.provenance ?? [:]
        provenance["codebook"] = "tessera profile codebook --profile \(profile) --k \(k) \(inputs.joined(separator: " ")) (\(points.count) tokens)"
        updated.provenance = provenance
        try AtomicWrite.write(Array((try encodeJSON(updated) + "\n").utf8), to: output)
        print("\(k) codes from \(points.count) tokens of \(files.count) file(s) → \(output)")
    }
}
