import CDicom

/// Uncompressed pixel data, read frame by frame straight from the file.
struct NativeDecoder: FrameDecoder {
    func decode(frame: Int, file: DicomFile, header: ImageHeader, format: PixelFormat,
                options: DecodeOptions) throws(DicomError) -> RawFrame {
        var encapsulated: Int32 = 0
        var length: UInt64 = 0
        var err = ShimError()
        guard tdcm_pixel_data_info(file.handle, &encapsulated, &length, &err.buffer, err.buffer.count) == TDCM_OK else {
            throw .noPixelData(path: file.path)
        }
        let frameBits = format.nativeFrameBits
        let expected = (UInt64(frameBits) * UInt64(header.frames) + 7) / 8
        guard length >= expected else {
            throw .truncatedPixelData(path: file.path, expectedBytes: expected, actualBytes: length)
        }
        let bitOffset = frameBits * frame
        let firstByte = bitOffset / 8
        let byteCount = (bitOffset % 8 + frameBits + 7) / 8
        var status = Int32(TDCM_ERROR)
        let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, initialized in
            status = tdcm_read_native(file.handle, UInt64(firstByte), buffer.baseAddress, UInt32(byteCount),
                                      &err.buffer, err.buffer.count)
            initialized = byteCount  // fully written on success; discarded otherwise
        }
        guard status == TDCM_OK else {
            throw .decodeFailed(path: file.path, frame: frame, reason: err.message)
        }
        if format.bitsAllocated == 1 {
            return .samples(unpackBits(bytes, bitOffset: bitOffset % 8, count: format.samplesPerFrame),
                            colorModel: format.photometricInterpretation, signExtended: true)
        }
        if format.photometricInterpretation == "YBR_FULL_422" {
            return .bytes(upsample422(bytes, bytesPerSample: format.bitsAllocated / 8),
                          bitsPerSample: format.bitsAllocated, planar: false, colorModel: "YBR_FULL")
        }
        return .bytes(bytes, bitsPerSample: format.bitsAllocated,
                      planar: format.samplesPerPixel > 1 && format.planarConfiguration == 1,
                      colorModel: format.photometricInterpretation)
    }

    /// 1-bit data (segmentations) packs pixels LSB first, frames not byte-aligned.
    private func unpackBits(_ bytes: [UInt8], bitOffset: Int, count: Int) -> [Int32] {
        (0..<count).map { i in
            let bit = bitOffset + i
            return Int32((bytes[bit >> 3] >> UInt8(bit & 7)) & 1)
        }
    }

    /// YBR_FULL_422 stores Y1 Y2 Cb Cr for each pixel pair; expand to Y Cb Cr per pixel.
    private func upsample422(_ bytes: [UInt8], bytesPerSample b: Int) -> [UInt8] {
        let pairs = bytes.count / (4 * b)
        var out = [UInt8](repeating: 0, count: pairs * 6 * b)
        for p in 0..<pairs {
            let src = p * 4 * b, dst = p * 6 * b
            for k in 0..<b {
                let y1 = bytes[src + k], y2 = bytes[src + b + k]
                let cb = bytes[src + 2 * b + k], cr = bytes[src + 3 * b + k]
                out[dst + k] = y1; out[dst + b + k] = cb; out[dst + 2 * b + k] = cr
                out[dst + 3 * b + k] = y2; out[dst + 4 * b + k] = cb; out[dst + 5 * b + k] = cr
            }
        }
        return out
    }
}
