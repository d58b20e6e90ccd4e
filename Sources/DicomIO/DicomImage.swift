/// A DICOM image opened for decoding: header plus a decoder picked from the
/// transfer-syntax table. Frames are decoded one at a time, on request, so a
/// 2,000-frame object never needs all frames in memory.
public final class DicomImage {
    public let header: ImageHeader
    public let format: PixelFormat
    public let transferSyntax: TransferSyntax
    public let options: DecodeOptions
    private let file: DicomFile
    private let decoder: any FrameDecoder

    public var path: String { file.path }
    public var frames: Int { header.frames }

    /// `hashingContent`: also the file's content hash, from the same read (`contentHash`).
    public convenience init(path: String, options: DecodeOptions = .default, hashingContent: Bool = false) throws(DicomError) {
        try self.init(file: DicomFile(path: path, extent: .all, hashingContent: hashingContent), options: options)
    }

    /// The file's XXH3-128 (hex) when opened with `hashingContent`.
    public var contentHash: String? { file.contentHash }

    public init(file: DicomFile, options: DecodeOptions = .default) throws(DicomError) {
        let header = try ImageHeader(file: file)
        guard let format = header.pixel else { throw .noPixelData(path: file.path) }
        guard let syntax = TransferSyntax.lookup(header.transferSyntaxUID),
              let decoder = frameDecoders[syntax.family] else {
            throw .unsupportedTransferSyntax(path: file.path, uid: header.transferSyntaxUID.isEmpty ? "(unknown)" : header.transferSyntaxUID)
        }
        // Refuse before allocating anything: Rows×Columns×Frames×samples×4 bytes.
        let (perFrame, o1) = UInt64(format.rows).multipliedReportingOverflow(by: UInt64(format.columns * format.samplesPerPixel * 4))
        let (total, o2) = perFrame.multipliedReportingOverflow(by: UInt64(header.frames))
        if o1 || o2 || total > options.maxDecodedBytes {
            throw .exceedsLimit(path: file.path, bytes: (o1 || o2) ? .max : total, limit: options.maxDecodedBytes)
        }
        self.file = file
        self.header = header
        self.format = format
        self.transferSyntax = syntax
        self.options = options
        self.decoder = decoder
    }

    /// Stored values of one frame (sign applied, colour-by-pixel).
    public func storedFrame(_ frame: Int) throws(DicomError) -> StoredFrame {
        StoredFrame(raw: try rawFrame(frame), format: format)
    }

    /// The decoder's output for one frame, after the frame number is checked.
    private func rawFrame(_ frame: Int) throws(DicomError) -> RawFrame {
        guard frame >= 0 && frame < header.frames else {
            throw .frameOutOfRange(path: file.path, frame: frame, frames: header.frames)
        }
        return try decoder.decode(frame: frame, file: file, header: header, format: format, options: options)
    }

    /// The JPEG 2000 codestream of one frame, exactly as stored (for
    /// comparing against other decoders, or passing through untouched).
    public func encapsulatedCodestream(_ frame: Int) throws(DicomError) -> [UInt8] {
        guard transferSyntax.family == .jpeg2000 else {
            throw .unsupportedTransferSyntax(path: file.path, uid: transferSyntax.uid + " (not JPEG 2000)")
        }
        return try EncapsulatedFrames(file: file, frames: header.frames).codestream(frame: frame)
    }

    /// Modality values (HU for CT) of a monochrome frame, or luminance of a
    /// colour frame, as Float32. MONOCHROME1 values are left as stored.
    public func modalityFrame(_ frame: Int) throws(DicomError) -> [Float] {
        let grey = format.samplesPerPixel == 1 && !format.isPalette
        let raw = try rawFrame(frame)
        if grey, case .bytes(let bytes, let bits, false, _) = raw {
            return Self.modalityValues(bytes, bitsPerSample: bits, format: format, transform: header.transform(frame: frame))
        }
        let stored = StoredFrame(raw: raw, format: format)
        if grey { return header.transform(frame: frame).apply(stored.values, unsigned32: stored.unsigned32) }
        return ColorConversion.luminance(rgb: ColorConversion.rgb(stored, palette: header.palette))
    }

    /// Stored bytes → modality values a few thousand samples at a time, with
    /// the same widening and transform as `storedFrame` + `apply` (so the
    /// same values), without the frame-sized Int32 array between them.
    static func modalityValues(_ bytes: [UInt8], bitsPerSample: Int, format: PixelFormat,
                               transform: ModalityTransform) -> [Float] {
        let count = format.samplesPerFrame, chunk = 4096
        let unsigned32 = format.hasUnsigned32Samples
        return [Float](unsafeUninitializedCapacity: count) { dst, initialized in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: chunk) { stored in
                bytes.withUnsafeBytes { raw in
                    for first in Swift.stride(from: 0, to: count, by: chunk) {
                        let n = min(chunk, count - first)
                        let part = UnsafeMutableBufferPointer(rebasing: stored[0..<n])
                        StoredFrame.unpack(raw, bitsPerSample: bitsPerSample, format: format, from: first, into: part)
                        transform.fill(UnsafeMutableBufferPointer(rebasing: dst[first..<(first + n)]),
                                       from: UnsafeBufferPointer(part), unsigned32: unsigned32)
                    }
                }
            }
            initialized = count
        }
    }
}
