/// RLE Lossless (PS3.5 Annex G), decoded here rather than by DCMTK: its
/// decoder reads past the fragment on a mutated segment table (found by the
/// fuzzer), and the format is small enough to decode with every index checked.
///
/// A frame is one fragment: a 64-byte header (segment count, then 15 segment
/// offsets, little endian), then one PackBits segment per byte of each sample,
/// most significant byte first, sample by sample (R-MSB, R-LSB, G-MSB, …).
struct RLEDecoder: FrameDecoder {
    func decode(frame: Int, file: DicomFile, header: ImageHeader, format: PixelFormat,
                options: DecodeOptions) throws(DicomError) -> RawFrame {
        guard [8, 16, 32].contains(format.bitsAllocated) else {
            throw .unsupportedPixelFormat(path: file.path, reason: "RLE with BitsAllocated \(format.bitsAllocated)")
        }
        let data = try EncapsulatedFrames(file: file, frames: header.frames).codestream(frame: frame)
        do {
            let bytes = try Self.decodeFrame(data, format: format)
            return .bytes(bytes, bitsPerSample: format.bitsAllocated, planar: false,
                          colorModel: format.photometricInterpretation)
        } catch {
            throw .decodeFailed(path: file.path, frame: frame, reason: error.reason)
        }
    }

    struct Failure: Error { let reason: String }

    /// The frame's samples, colour-by-pixel, each in host (little-endian) byte order.
    static func decodeFrame(_ data: [UInt8], format: PixelFormat) throws(Failure) -> [UInt8] {
        let bytesPerSample = format.bitsAllocated / 8
        let segmentCount = format.samplesPerPixel * bytesPerSample
        let pixels = format.pixelsPerFrame
        guard data.count >= 64 else { throw Failure(reason: "RLE header needs 64 bytes, fragment has \(data.count)") }
        func word(_ i: Int) -> Int {
            Int(data[4 * i]) | Int(data[4 * i + 1]) << 8 | Int(data[4 * i + 2]) << 16 | Int(data[4 * i + 3]) << 24
        }
        let declared = word(0)
        guard declared == segmentCount else {
            throw Failure(reason: "RLE header declares \(declared) segments, the pixel format needs \(segmentCount)")
        }
        var offsets = (1...segmentCount).map(word)
        offsets.append(data.count)
        guard offsets[0] == 64, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw Failure(reason: "RLE segment offsets \(offsets.dropLast()) do not increase from 64 within \(data.count) bytes")
        }
        var out = [UInt8](repeating: 0, count: pixels * segmentCount)
        let stride = segmentCount  // bytes between one pixel's sample and the next pixel's
        for segment in 0..<segmentCount {
            // Segment s holds byte (s % bytesPerSample) of sample (s / bytesPerSample),
            // MSB first; the output is little endian.
            let sample = segment / bytesPerSample, byteOfSample = bytesPerSample - 1 - segment % bytesPerSample
            let start = sample * bytesPerSample + byteOfSample
            let produced = unpackBits(data, from: offsets[segment], to: offsets[segment + 1],
                                      into: &out, start: start, stride: stride, count: pixels)
            // Fewer bytes than pixels is broken data; more is tolerated and
            // ignored (an encoder's padding), as pydicom does.
            guard produced == pixels else {
                throw Failure(reason: "RLE segment \(segment + 1) decodes to \(produced) bytes, \(pixels) expected")
            }
        }
        return out
    }

    /// PackBits: a header byte n ≥ 0 copies n+1 literal bytes; 1−n for n in
    /// −127…−1 repeats the next byte; −128 is a no-op. Writes at most `count`
    /// bytes to out[start + k·stride] and returns how many it wrote.
    static func unpackBits(_ data: [UInt8], from: Int, to end: Int, into out: inout [UInt8],
                           start: Int, stride: Int, count: Int) -> Int {
        var i = from, written = 0
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var o = start
                while i < end && written < count {
                    let n = Int(Int8(bitPattern: src[i]))
                    i += 1
                    if n >= 0 {
                        let run = min(n + 1, end - i, count - written)
                        for k in 0..<run { dst[o] = src[i + k]; o += stride }
                        i += n + 1
                        written += run
                    } else if n != -128 {
                        guard i < end else { break }
                        let run = min(1 - n, count - written)
                        let value = src[i]
                        for _ in 0..<run { dst[o] = value; o += stride }
                        i += 1
                        written += run
                    }
                }
            }
        }
        return written
    }
}
