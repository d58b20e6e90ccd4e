/// Colour frames to RGB and to luminance (what the scorer sees).
public enum ColorConversion {
    /// RGB samples (interleaved, 0…255 for 8-bit data) of a stored frame.
    public static func rgb(_ frame: StoredFrame, palette: PaletteLUT?) -> [Int32] {
        switch frame.colorModel {
        case "PALETTE COLOR":
            guard let palette else { return frame.values.flatMap { [$0, $0, $0] } }
            var out = [Int32](repeating: 0, count: frame.values.count * 3)
            for (i, v) in frame.values.enumerated() {
                let (r, g, b) = palette.rgb(v)
                out[3 * i] = Int32(r); out[3 * i + 1] = Int32(g); out[3 * i + 2] = Int32(b)
            }
            return out
        case "YBR_FULL", "YBR_FULL_422":
            return ybrFullToRGB(frame.values)
        default:
            if frame.samplesPerPixel == 3 { return frame.values }
            return frame.values.flatMap { [$0, $0, $0] }
        }
    }

    /// ITU-R BT.601 full-range YCbCr → RGB, rounded and clipped (as pydicom).
    static func ybrFullToRGB(_ ybr: [Int32]) -> [Int32] {
        var out = [Int32](repeating: 0, count: ybr.count)
        var i = 0
        while i + 2 < ybr.count {
            let y = Double(ybr[i]), cb = Double(ybr[i + 1]) - 128, cr = Double(ybr[i + 2]) - 128
            out[i] = clip(y + 1.402 * cr)
            out[i + 1] = clip(y - 0.344136 * cb - 0.714136 * cr)
            out[i + 2] = clip(y + 1.772 * cb)
            i += 3
        }
        return out
    }

    private static func clip(_ v: Double) -> Int32 { Int32(min(max(v.rounded(), 0), 255)) }

    /// Rec. 601 luma of interleaved RGB, as Float32.
    public static func luminance(rgb: [Int32]) -> [Float] {
        var out = [Float](repeating: 0, count: rgb.count / 3)
        for p in 0..<out.count { out[p] = luma(Float(rgb[3 * p]), Float(rgb[3 * p + 1]), Float(rgb[3 * p + 2])) }
        return out
    }

    /// Rec. 601 luma: how colour images (DICOM and photographs) become one channel.
    @inlinable public static func luma(_ r: Float, _ g: Float, _ b: Float) -> Float { 0.299 * r + 0.587 * g + 0.114 * b }
}
