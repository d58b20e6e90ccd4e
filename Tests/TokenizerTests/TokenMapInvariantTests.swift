import DicomIO
import Foundation
import Imaging
import Scoring
import Testing
import TestSupport
import Tiling

/// Every image we have, every domain: the map tiles the image exactly once,
/// the stats agree, and the JSON we write reads back as the same map.
@Suite struct TokenMapInvariantTests {
    static let imageFiles: [String] = {
        var roots = [TestData.samples]
        for d in ["ct/lidc-idri-0001/dicom", "ct/gantry-tilt-head", "ct/ibsi-sts001/dicom", "xray", "natural"] {
            roots.append(TestData.shared + "/" + d)
        }
        return roots.flatMap { FileScanner.files(under: $0) }.filter {
            let l = $0.lowercased()
            return l.hasSuffix(".dcm") || l.hasSuffix(".png") || l.hasSuffix(".jpg")
        }
    }()

    @Test func corpusIsComplete() {
        // Samples: 17 CT, 5 compressed, 1 CR, 3 MG. The full corpus adds
        // 133 + 28 + 59 (+RTSTRUCT) CT, 5 radiographs and 14 photographs; the
        // compact one IBSI's 59 (+RTSTRUCT) CT, 1 radiograph and 14 photographs.
        let minimum = 26 + (Reference.hasFullCorpus ? 133 + 28 + 60 + 5 + 14 : 60 + 1 + 14)
        #expect(Self.imageFiles.count >= minimum, "\(Self.imageFiles.count) images in the \(Reference.data) corpus")
    }

    @Test func everyImageTilesExactly() throws {
        var checked = 0, byDomain: [ImageDomain: (tokens: Int, uniform: Int)] = [:]
        for path in Self.imageFiles {
            let loader: ImageLoader
            do { loader = try ImageLoader(path: path) } catch {
                // RTSTRUCT and other objects without pixels are not images.
                if case .dicom(.noPixelData) = error { continue }
                throw error
            }
            let profile = try Profile.builtIn(for: loader.domain)
            for f in 0..<loader.frames {
                let result = Tokenizer.tokenize(try loader.plane(frame: f), source: loader.source(frame: f),
                                                domain: loader.domain, profile: profile)
                let violations = TilingInvariant.violations(result.map)
                #expect(violations.isEmpty, "\(path) frame \(f): \(violations)")
                let decoded = try JSONDecoder().decode(TokenMap.self, from: Data(TokenMapJSON.encode(result.map).utf8))
                #expect(decoded == result.map, "\(path): JSON does not round-trip")
                #expect(result.map.tokens.allSatisfy { $0.code != nil && $0.features?.count == 5 })
                var d = byDomain[loader.domain] ?? (0, 0)
                d.tokens += result.map.stats.tokenCount
                d.uniform += result.map.stats.uniformTokenCount
                byDomain[loader.domain] = d
                checked += 1
            }
        }
        // Frames: 44 in the samples; 226 more in the full corpus, 74 in the compact one.
        #expect(checked >= (Reference.hasFullCorpus ? 270 : 118), "\(checked) frames")
        for (domain, d) in byDomain.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("reduction \(domain.rawValue): \(String(format: "%.3f", 1 - Double(d.tokens) / Double(d.uniform))) (\(d.tokens) of \(d.uniform) uniform tokens)")
        }
    }

    @Test func repeatedRunsAreByteIdentical() throws {
        for path in [TestData.samples + "/ct/lidc-idri-0001/000071.dcm", TestData.samples + "/xray/RG3_J2KR.dcm"] {
            let outputs = try (0..<2).map { _ -> String in
                let loader = try ImageLoader(path: path)
                let profile = try Profile.builtIn(for: loader.domain)
                return TokenMapJSON.encode(Tokenizer.tokenize(try loader.plane(frame: 0), source: loader.source(frame: 0),
                                                              domain: loader.domain, profile: profile).map)
            }
            #expect(outputs[0] == outputs[1])
        }
    }

    @Test func photographsAreReadAsLuminance() throws {
        let png = try ImageLoader(path: TestData.shared + "/natural/camera.png")
        let plane = try png.plane(frame: 0)
        #expect(plane.rows == 512 && plane.columns == 512 && png.domain == .natural)
        let jpeg = try ImageLoader(path: TestData.shared + "/natural/rocket.jpg")
        let j = try jpeg.plane(frame: 0)
        #expect(j.rows == 427 && j.columns == 640)
        #expect(j.values.allSatisfy { (0...255).contains($0) } && Set(j.values.prefix(5000)).count > 20)
    }
}
