import Foundation
import Testing
@testable import DicomIO

/// Broken and hostile input: a typed error naming the file, never a crash or hang.
@Suite struct HostileInputTests {
    private func decodeAll(_ path: String, options: DecodeOptions = .default) throws(DicomError) {
        let image = try DicomImage(path: path, options: options)
        for f in 0..<image.frames { _ = try image.storedFrame(f) }
    }

    private func error(_ path: String, options: DecodeOptions = .default) -> DicomError? {
        do { try decodeAll(path, options: options); return nil } catch { return error }
    }

    @Test func everyHostileReferenceFileFailsWithATypedError() throws {
        let hostile = try TestData.expected().filter { ($0.value["status"] as? String) == "hostile" }.keys.sorted()
        #expect(hostile.count == 3)
        for name in hostile {
            let path = TestData.conformance + "/" + name
            let err = try #require(error(path), "\(name) must fail")
            #expect(err.path == path)
            #expect(!err.description.contains("\n"))
        }
    }

    @Test func truncatedPixelDataNamesTheShortfall() {
        let path = TestData.conformance + "/pydicom-MR_truncated.dcm"
        #expect(error(path) == .truncatedPixelData(path: path, expectedBytes: 8192, actualBytes: 8130))
    }

    @Test func fileWithoutPreambleOrDatasetIsNotDicom() {
        let path = TestData.conformance + "/pydicom-no_meta.dcm"
        guard case .notDicom = error(path) else { Issue.record("expected notDicom"); return }
    }

    @Test func truncatedJ2KCodestreamFails() {
        let path = TestData.conformance + "/emri_small_jpeg_2k_lossless_too_short.dcm"
        #expect(error(path) != nil)
    }

    @Test func zeroLengthAndMissingAndTextFiles() throws {
        let dir = try TestData.scratchDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        let empty = dir.appendingPathComponent("empty.dcm").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(error(empty) == .emptyFile(path: empty))
        let text = dir.appendingPathComponent("notes.dcm").path
        _ = FileManager.default.createFile(atPath: text, contents: Data(String(repeating: "not dicom ", count: 40).utf8))
        guard case .notDicom(let p, _) = error(text) else { Issue.record("text file accepted"); return }
        #expect(p == text)
        let missing = dir.appendingPathComponent("missing.dcm").path
        #expect(error(missing) == .fileNotFound(path: missing))
    }

    @Test func bitFlippedHeaderFailsCleanly() throws {
        let dir = try TestData.scratchDirectory("flip")
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestData.samples + "/compressed/JPEG-LL.dcm")))
        for i in stride(from: 140, to: 1400, by: 7) { bytes[i] ^= 0xA5 }
        let path = dir.appendingPathComponent("flipped.dcm").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(error(path) != nil)
    }

    @Test func oversizedObjectIsRefusedBeforeAllocation() {
        let path = TestData.samples + "/xray/RG3_J2KR.dcm"
        let limit: UInt64 = 1 << 20
        #expect(error(path, options: DecodeOptions(maxDecodedBytes: limit))
            == .exceedsLimit(path: path, bytes: 1760 * 1760 * 4, limit: limit))
    }

    @Test func j2kDecodeIsAbandonedAfterItsTimeLimit() {
        let path = TestData.samples + "/xray/RG3_J2KR.dcm"
        let options = DecodeOptions(j2kFrameTimeLimit: 0.001)
        #expect(error(path, options: options) == .decodeTimedOut(path: path, frame: 0, seconds: 0.001))
    }

    @Test func frameOutOfRange() throws {
        let path = TestData.samples + "/compressed/emri_small_RLE.dcm"
        let image = try DicomImage(path: path)
        #expect(throws: DicomError.frameOutOfRange(path: path, frame: 10, frames: 10)) { try image.storedFrame(10) }
    }
}
