import Testing
@testable import DicomIO

/// Tessera's own RLE Lossless decoder (PS3.5 Annex G). Real RLE files are
/// checked pixel-exact against pydicom in ConformanceTests; these pin the
/// PackBits rules and the refusals of broken segment tables by hand-made frames.
@Suite struct RLEDecoderTests {
    static func format(rows: Int, columns: Int, samples: Int = 1, bits: Int = 8) -> PixelFormat {
        PixelFormat(rows: rows, columns: columns, samplesPerPixel: samples, bitsAllocated: bits, bitsStored: bits,
                    isSigned: false, planarConfiguration: 0,
                    photometricInterpretation: samples == 3 ? "RGB" : "MONOCHROME2")
    }

    /// A 64-byte RLE header for the given segments, then the segments.
    static func frame(_ segments: [[UInt8]]) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 64)
        func put(_ value: Int, at word: Int) {
            for b in 0..<4 { header[4 * word + b] = UInt8(truncatingIfNeeded: value >> (8 * b)) }
        }
        put(segments.count, at: 0)
        var offset = 64
        for (i, s) in segments.enumerated() { put(offset, at: i + 1); offset += s.count }
        return header + segments.flatMap { $0 }
    }

    @Test func packBitsLiteralsRepeatsAndNoOps() throws {
        // 2 literals (header 1), 0x80 no-op, then 0xFE = −2: three copies of 9.
        let data = Self.frame([[1, 5, 6, 0x80, 0xFE, 9]])
        let out = try RLEDecoder.decodeFrame(data, format: Self.format(rows: 1, columns: 5))
        #expect(out == [5, 6, 9, 9, 9])
    }

    @Test func sixteenBitSamplesAreMostSignificantSegmentFirstAndComeOutLittleEndian() throws {
        let msb: [UInt8] = [1, 0x12, 0xAB], lsb: [UInt8] = [1, 0x34, 0xCD]
        let out = try RLEDecoder.decodeFrame(Self.frame([msb, lsb]), format: Self.format(rows: 1, columns: 2, bits: 16))
        #expect(out == [0x34, 0x12, 0xCD, 0xAB])
    }

    @Test func colourPlanesAreInterleavedByPixel() throws {
        let red: [UInt8] = [0xFF, 10], green: [UInt8] = [0xFF, 20], blue: [UInt8] = [1, 30, 31]
        let out = try RLEDecoder.decodeFrame(Self.frame([red, green, blue]),
                                             format: Self.format(rows: 1, columns: 2, samples: 3))
        #expect(out == [10, 20, 30, 10, 20, 31])
    }

    @Test func aLongerSegmentIsCutAndAShorterOneRefused() throws {
        let long = try RLEDecoder.decodeFrame(Self.frame([[3, 1, 2, 3, 4]]), format: Self.format(rows: 1, columns: 3))
        #expect(long == [1, 2, 3])
        #expect(throws: RLEDecoder.Failure.self) {
            try RLEDecoder.decodeFrame(Self.frame([[1, 1, 2]]), format: Self.format(rows: 1, columns: 3))
        }
    }

    /// The fuzzer's finding: a segment offset far beyond the fragment made
    /// DCMTK's decoder read out of bounds. Every broken table is a typed refusal.
    @Test func brokenSegmentTablesAreRefusedNotFollowed() {
        var offsetOutside = Self.frame([[0xFE, 7]])
        offsetOutside[4...7] = [0x9C, 0xE4, 0xE0, 0x5E]  // 1,591,796,892: the fuzzed file's kind of offset
        var wrongCount = Self.frame([[0xFE, 7]])
        wrongCount[0] = 3
        let cases: [([UInt8], String)] = [
            (offsetOutside, "do not increase"),
            (wrongCount, "declares 3 segments"),
            (Array(Self.frame([[0xFE, 7]]).prefix(40)), "needs 64 bytes"),
            (Self.frame([[0x05, 1, 2]]), "decodes to 2 bytes"),  // literal run cut by the segment's end
            (Self.frame([[0xFE]]), "decodes to 0 bytes"),  // repeat with no byte to repeat
        ]
        for (data, reason) in cases {
            do {
                _ = try RLEDecoder.decodeFrame(data, format: Self.format(rows: 1, columns: 3))
                Issue.record("accepted a broken frame (\(reason))")
            } catch {
                #expect(error.reason.contains(reason), "\(error.reason)")
            }
        }
    }
}
