import CDicom
import TesseraSupport

/// JPEG (8/12/16-bit IJG) and JPEG-LS, decoded one frame at a time by
/// DCMTK's registered codecs.
struct DCMTKCodecDecoder: FrameDecoder {

    func decode(frame: Int, file: DicomFile, header: ImageHeader, format: PixelFormat,
                options: DecodeOptions) throws(DicomError) -> RawFrame {
        guard format.bitsAllocated >= 8 else {
            throw .unsupportedPixelFormat(path: file.path, reason: "compressed data with BitsAllocated \(format.bitsAllocated)")
        }
        // DCMTK allocates by the DICOM header: a header claiming more than
        // the codestream's own frame header holds is refused first (checked
        // once: every frame of an object has the same size). A frame header
        // with 0 rows (height given later by a DNL marker) is not compared.
        if frame == 0 {
            let codestream = try EncapsulatedFrames(file: file, frames: header.frames).codestream(frame: 0)
            if let sof = JPEGFrameHeader(codestream),
               (sof.rows > 0 && format.rows > sof.rows) || format.columns > sof.columns {
                throw .decodeFailed(path: file.path, frame: frame, reason: "JPEG frame header says \(sof.columns)x\(sof.rows)x\(sof.components), "
                                    + "DICOM header says \(format.columns)x\(format.rows)x\(format.samplesPerPixel)")
            }
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
        // The JPEG codecs are set up to emit colour-by-pixel.
        return .bytes(bytes, bitsPerSample: format.bitsAllocated, planar: false,
                      colorModel: colorModel.isEmpty ? format.photometricInterpretation : colorModel)
    }
}

/// The size a JPEG or JPEG-LS codestream declares in its start-of-frame
/// segment (nil when there is none before the scan).
struct JPEGFrameHeader {
    let rows: Int, columns: Int, components: Int

    init?(_ b: [UInt8]) {
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            // SOF0–15 except DHT (C4), JPG (C8), DAC (CC); SOF55 (F7) for JPEG-LS.
            let isFrame = ((0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker)) || marker == 0xF7
            if isFrame {
                guard i + 10 <= b.count else { return nil }
                rows = Int(b[i + 5]) << 8 | Int(b[i + 6])
                columns = Int(b[i + 7]) << 8 | Int(b[i + 8])
                components = Int(b[i + 9])
                return
            }
            if marker == 0xDA || marker == 0xD9 { return nil }  // scan or end before any frame header
            i += 2 + length
        }
        return nil
    }
}
