/// How stored pixel values are laid out, from the Image Pixel module.
public struct PixelFormat: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var samplesPerPixel: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var isSigned: Bool
    /// 0 = colour-by-pixel, 1 = colour-by-plane.
    public var planarConfiguration: Int
    public var photometricInterpretation: String

    public var pixelsPerFrame: Int { rows * columns }
    public var samplesPerFrame: Int { rows * columns * samplesPerPixel }
    public var isMonochrome: Bool { photometricInterpretation.hasPrefix("MONOCHROME") }
    public var isPalette: Bool { photometricInterpretation == "PALETTE COLOR" }
    /// 32-bit unsigned samples: their Int32 widening must be read back
    /// through UInt32(bitPattern:).
    public var hasUnsigned32Samples: Bool { bitsAllocated == 32 && !isSigned }

    /// Bits one native frame occupies in the file (YBR_FULL_422 holds two
    /// samples per pixel). In bits because 1-bit frames need not end on a
    /// byte: frame n starts at bit n × nativeFrameBits.
    public var nativeFrameBits: Int {
        let samples = photometricInterpretation == "YBR_FULL_422" ? rows * columns * 2 : samplesPerFrame
        return samples * bitsAllocated
    }

    /// Bytes of decoded Int32 samples for one frame, used for limits.
    public var decodedFrameBytes: UInt64 { UInt64(samplesPerFrame) * 4 }
}
