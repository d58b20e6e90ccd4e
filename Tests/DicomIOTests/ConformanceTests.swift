import Foundation
import Testing
@testable import DicomIO

/// Pixel-exact decoding against the values pydicom 3.0.2 + pylibjpeg computed
/// for the conformance corpus (`../shared/data/conformance/expected-pydicom.json`).
@Suite struct ConformanceTests {
    static let lossyFamilies: Set<String> = ["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
                                             "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.81"]

    static let okFiles: [String] = {
        guard let e = try? TestData.expected() else { return [] }
        return e.filter { ($0.value["status"] as? String) == "ok" }.keys.sorted()
    }()

    @Test func referenceCorpusIsPresent() throws {
        #expect(FileManager.default.fileExists(atPath: TestData.conformance + "/expected-pydicom.json"),
                "the conformance corpus is missing from \(TestData.conformance)")
        #expect(Self.okFiles.count == 46)
    }

    @Test(arguments: okFiles)
    func decodesLikePydicom(name: String) throws {
        let e = try #require(try TestData.expected()[name])
        let path = TestData.conformance + "/" + name
        let file = try DicomFile(path: path)
        let header = try ImageHeader(file: file)
        guard let rows = e["Rows"] as? Int else {
            #expect(header.pixel == nil, "\(name): reference has no pixels")  // RTSTRUCT
            return
        }
        let image = try DicomImage(file: file)
        #expect(image.format.rows == rows)
        #expect(image.format.columns == e["Columns"] as? Int)
        #expect(image.frames == ((e["NumberOfFrames"] as? Int) ?? 1))
        let stats = try ImageStatistics.compute(image, checksum: true)
        let lossy = Self.lossyFamilies.contains(header.transferSyntaxUID)

        if let ref = e["storedValues"] as? [String: Any] {
            let ours = try #require(stats.storedValues)
            let (lo, hi, mean) = (ref["min"] as! Double, ref["max"] as! Double, ref["mean"] as! Double)
            if lossy {
                let range = max(hi - lo, 1)
                #expect(abs(ours.mean - mean) <= 0.005 * max(abs(mean), 1), "\(name) mean \(ours.mean) vs \(mean)")
                #expect(abs(ours.min - lo) <= 0.02 * range && abs(ours.max - hi) <= 0.02 * range)
            } else {
                #expect(ours.sha256_int32le == ref["sha256_int32le"] as? String, "\(name): stored values differ")
                #expect(ours.min == lo && ours.max == hi)
            }
        }
        if let ref = e["modalityValues"] as? [String: Any] {
            let ours = try #require(stats.modalityValues)
            var mean = ref["mean"] as! Double
            if name == "eCT_Supplemental.dcm" {
                // pydicom 3.0.2 ignores the Shared Functional Groups; the object's
                // Pixel Value Transformation says intercept −1024, slope 1 (HU).
                #expect(header.transform(frame: 0) == .rescale(slope: 1, intercept: -1024))
                mean -= 1024
            }
            let tolerance = lossy ? 0.005 * max(abs(mean), 1) : 1e-6 * max(abs(mean), 1)
            #expect(abs(ours.mean - mean) <= tolerance, "\(name) modality mean \(ours.mean) vs \(mean)")
        }
        if let ref = e["channelMeans"] as? [Double] {
            // PALETTE COLOR: pydicom reports the mean of the palette indices.
            let ours = ref.count == 1 ? [try #require(stats.storedValues).mean] : try #require(stats.channelMeans)
            #expect(ours.count == ref.count)
            for (a, b) in zip(ours, ref) { #expect(abs(a - b) <= 1.0, "\(name) channel mean \(a) vs \(b)") }
        }
    }

    /// 12-bit lossy JPEG that pydicom + pylibjpeg cannot decode; DCMTK's ijg12 can.
    @Test func decodesTwelveBitLossyJPEGBeyondPydicom() throws {
        let image = try DicomImage(path: TestData.conformance + "/pydicom-JPEG-lossy.dcm")
        #expect(image.format.rows == 1024 && image.format.columns == 256)
        let frame = try image.storedFrame(0)
        #expect(frame.values.count == 1024 * 256)
        #expect(frame.values.allSatisfy { (0...4095).contains($0) })
        #expect(Set(frame.values).count > 100, "a real image, not a constant")
    }

    @Test func monochrome1IsFlaggedNotInverted() throws {
        let image = try DicomImage(path: TestData.samples + "/xray/RG3_J2KR.dcm")
        #expect(image.header.isMonochrome1)
        let frame = try image.storedFrame(0)
        #expect(frame.values.allSatisfy { (0...1023).contains($0) }, "10-bit stored values, untouched")
    }
}
