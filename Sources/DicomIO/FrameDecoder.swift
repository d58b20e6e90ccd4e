import CDicom
import TesseraSupport

/// One frame's samples as a decoder produced them, before sign handling.
enum RawFrame {
    /// Samples of `bitsPerSample` (8/16/32) in host byte order.
    case bytes([UInt8], bitsPerSample: Int, planar: Bool, colorModel: String)
    /// Samples already widened to Int32, colour-by-pixel; `signExtended`
    /// says whether the decoder already applied the sign.
    case samples([Int32], colorModel: String, signExtended: Bool)
}

/// What a decoder may need besides the file: limits and the J2K time budget.
public struct DecodeOptions: Sendable {
    /// Largest decoded object (all frames, Int32 samples) accepted, in bytes.
    public var maxDecodedBytes: UInt64
    /// Wall-clock limit for decoding one JPEG 2000 frame.
    public var j2kFrameTimeLimit: Double
    /// OpenJPEG worker threads per frame (1 when files are decoded in parallel).
    public var j2kThreads: Int

    public init(maxDecodedBytes: UInt64 = 2 << 30, j2kFrameTimeLimit: Double = 10, j2kThreads: Int = 1) {
        self.maxDecodedBytes = maxDecodedBytes
        self.j2kFrameTimeLimit = j2kFrameTimeLimit
        self.j2kThreads = j2kThreads
    }

    public static let `default` = DecodeOptions()
}

/// One decoder per transfer-syntax family (pydicom's pixel-handler idea).
protocol FrameDecoder: Sendable {
    func decode(frame: Int, file: DicomFile, header: ImageHeader, format: PixelFormat,
                options: DecodeOptions) throws(DicomError) -> RawFrame
}

/// The decoder for each family: a table, not an if-ladder.
let frameDecoders: [TransferSyntaxFamily: any FrameDecoder] = [
    .native: NativeDecoder(),
    .dcmtkCodec: DCMTKCodecDecoder(),
    .rle: RLEDecoder(),
    .jpeg2000: OpenJPEGDecoder(),
]

/// Shared error-buffer plumbing for the C shim.
struct ShimError {
    var buffer = [CChar](repeating: 0, count: 512)
    var message: String { cString(buffer) }
}
