import Foundation
import Testing
@testable import Tiling

/// The byte writer against the numbers and strings a map can hold: every
/// value decodes back to itself, and numbers print in the contract's form.
@Suite struct TokenMapJSONTests {
    @Test func numbersAndStringsRoundTrip() throws {
        let path = "dir/\"quoted\" back\\slash\nnew\tline \u{1} é 雪.dcm"
        let fine = TokenMap.Token(x: 0, y: 0, w: 16, h: 16, level: 0, score: 0.05, code: 3,
                                  features: [-0.5, 0.1234, 1, -2, 0.0001])
        let coarse = TokenMap.Token(x: 16, y: 0, w: 32, h: 32, level: 1, score: 1, code: nil,
                                    features: [1e-7, 123456.789, 0, -0.0451, 0.5])
        let stats = TokenMap.Stats(tokenCount: 2, uniformTokenCount: 9, reduction: 0.7778, tokensPerLevel: [1, 1],
                                   droppedFraction: 0.2667, featureNames: ["mean", "std"])
        let map = TokenMap(source: .init(path: path, sopInstanceUID: nil, frame: 3),
                           image: .init(rows: 48, columns: 40, pixelSpacingMM: [0.703125, 2.5], modality: "CT"),
                           profile: .init(name: "p", domain: "ct", sha256: "ab"), basePatch: 16,
                           tokens: [fine, coarse], dropped: [.init(x: 0, y: 16, w: 16, h: 32)], stats: stats,
                           budget: .init(requested: 5, tokens: 2, exact: false, note: "floor \"safety\""))
        let text = TokenMapJSON.encode(map)
        let decoded = try JSONDecoder().decode(TokenMap.self, from: Data(text.utf8))
        #expect(decoded == map)
        #expect(TokenMapJSON.bytes(map) == Array(text.utf8))
        // Four-decimal values print as fixed decimals, trailing zeros dropped, signs kept.
        #expect(text.contains("\"score\": 0.05") && text.contains("\"features\": [-0.5, 0.1234, 1, -2, 0.0001]"))
        #expect(text.contains("-0.0451, 0.5]") && text.contains("\"pixelSpacingMM\": [0.703125, 2.5]"))
        #expect(text.contains(#""path": "dir/\"quoted\" back\\slash\nnew\tline \u0001 é 雪.dcm""#))
    }
}
