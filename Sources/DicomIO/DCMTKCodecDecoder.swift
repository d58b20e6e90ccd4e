import CDicom

/// JPEG (8/12/16-bit IJG), JPEG-LS and RLE, decoded one frame at a time by
/// DCMTK's registered codecs.
struct DCMTKCodecDecoder: FrameDecoder {
    static let rleUID = "1.2.840.10008.1.2.5"

    func decode(frame: Int, file: DicomFile, header: ImageHeader, format: PixelFormat,
                options: DecodeOptions) throws(DicomError) -> RawFrame {
        guard format.bitsAllocated >= 8 else {
            throw .unsupportedPixelFormat(path: file.path, reason: "compressed data with BitsAllocated \(format.bitsAllocated)")
        }
        let size = format.samplesPerFrame * format.bitsAllocated / 8
        var bytes = [UInt8](repeating: 0, count: size)
        var model = [CChar](repeating: 0, count: 64)
        var err = ShimError()
        guard tdcm_decode_frame(file.handle, UInt32(frame), &bytes, UInt32(size), &model, model.count,
                                &err.buffer, err.buffer.count) == TDCM_OK else {
            throw .decodeFailed(path: file.path, frame: frame, reason: err.message)
        }
        let colorModel = cString(model)
        // RLE keeps the dataset's planar configuration; JPEG codecs are set up
        // to emit colour-by-pixel.
        let planar = header.transferSyntaxUID == Self.rleUID && format.samplesPerPixel > 1
            && format.planarConfiguration == 1
        return .bytes(bytes, bitsPerSample: format.bitsAllocated, planar: planar,
                      colorModel: colorModel.isEmpty ? format.photometricInterpretation : colorModel)
    }
}
