import CXXHash
import Foundation
import TesseraSupport
import Testing
@testable import DicomIO

/// The content hash taken from the read DCMTK parses equals XXH3-128 of the
/// file's bytes read on their own.
@Suite struct ContentHashTests {
    static func xxh128(_ path: String) throws -> String {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        var canonical = XXH128_canonical_t()
        bytes.withUnsafeBytes { XXH128_canonicalFromHash(&canonical, XXH3_128bits($0.baseAddress, $0.count)) }
        return withUnsafeBytes(of: canonical.digest) { lowercaseHex($0) }
    }

    /// Every conformance file (explicit, implicit and big-endian syntaxes,
    /// compressed and native), and radiographs whose pixel data is over the
    /// 4 MiB left on disk (DCMTK skips it: the hashing stream reads through;
    /// the compact corpus has one such radiograph, the full one three).
    @Test func hashOfTheParsingReadIsTheFileHash() throws {
        let folders = [TestData.conformance, TestData.shared + "/xray", TestData.samples + "/ct/lidc-idri-0001"]
        var checked = 0, leftOnDisk = 0
        for folder in folders {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder).sorted() where name.hasSuffix(".dcm") {
                let path = folder + "/" + name
                guard let file = try? DicomFile(path: path, extent: .all, hashingContent: true) else { continue }
                #expect(file.contentHash == (try Self.xxh128(path)), "\(path)")
                checked += 1
                if try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int > Int(DicomFile.lazyLoadThreshold) {
                    leftOnDisk += 1
                }
            }
        }
        #expect(checked >= 60 && leftOnDisk >= 1, "\(checked) files, \(leftOnDisk) over the threshold")
    }

    /// A header-only open still hashes the whole file (the rest is read to the end);
    /// without `hashingContent` there is no hash.
    @Test func headerOnlyOpenHashesTheWholeFile() throws {
        let path = TestData.samples + "/ct/lidc-idri-0001/000071.dcm"
        #expect(try DicomFile(path: path, extent: .header, hashingContent: true).contentHash == (try Self.xxh128(path)))
        #expect(try DicomFile(path: path, extent: .all).contentHash == nil)
    }
}
