import Crypto
import TesseraSupport

/// Summary statistics over every frame, computed one frame at a time.
public struct ValueStatistics: Sendable, Codable, Equatable {
    public var min: Double
    public var max: Double
    public var mean: Double
    public var sha256_int32le: String?
}

public struct ImageStatistics: Sendable, Codable {
    /// Stored values (monochrome and palette indices).
    public var storedValues: ValueStatistics?
    /// Modality values (monochrome only).
    public var modalityValues: ValueStatistics?
    /// Per-channel means of the RGB-converted pixels (colour only).
    public var channelMeans: [Double]?

    /// `checksum` adds the SHA-256 of all stored values as little-endian Int32,
    /// frame by frame, row-major: the same digest pydicom's reference uses.
    public static func compute(_ image: DicomImage, checksum: Bool) throws(DicomError) -> ImageStatistics {
        let format = image.format
        var stored = Accumulator(), modality = Accumulator()
        var channels = [Double](repeating: 0, count: 3)
        var hasher = SHA256()
        for f in 0..<image.frames {
            let frame = try image.storedFrame(f)
            if format.samplesPerPixel == 1 {
                if frame.unsigned32 {
                    for v in frame.values { stored.add(Double(UInt32(bitPattern: v))) }
                } else {
                    for v in frame.values { stored.add(Double(v)) }
                }
                if checksum {
                    frame.values.withUnsafeBytes { hasher.update(bufferPointer: $0) }  // host is little endian
                }
            }
            if format.samplesPerPixel == 1 && !format.isPalette {
                let transform = image.header.transform(frame: f)
                for v in frame.values { modality.add(transform.apply(v, unsigned32: frame.unsigned32)) }
            } else {
                let rgb = ColorConversion.rgb(frame, palette: image.header.palette)
                for (i, v) in rgb.enumerated() { channels[i % 3] += Double(v) }
            }
        }
        var stats = ImageStatistics()
        if format.samplesPerPixel == 1 {
            stats.storedValues = stored.result(sha: checksum ? lowercaseHex(hasher.finalize()) : nil)
        }
        if format.samplesPerPixel == 1 && !format.isPalette {
            stats.modalityValues = modality.result(sha: nil)
        } else {
            let pixels = Double(format.pixelsPerFrame * image.frames)
            stats.channelMeans = channels.map { $0 / pixels }
        }
        return stats
    }

    private struct Accumulator {
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0, count = 0
        @inline(__always) mutating func add(_ v: Double) {
            if v < lo { lo = v }
            if v > hi { hi = v }
            sum += v
            count += 1
        }
        func result(sha: String?) -> ValueStatistics {
            ValueStatistics(min: lo, max: hi, mean: count == 0 ? 0 : sum / Double(count), sha256_int32le: sha)
        }
    }
}
