/// The transfer-syntax families Tessera decodes, each handled by one decoder.
public enum TransferSyntaxFamily: String, Sendable {
    /// Uncompressed (little/big endian, and deflated, which DCMTK inflates on load).
    case native
    /// JPEG baseline/extended/lossless and JPEG-LS, through DCMTK's codecs.
    case dcmtkCodec
    /// RLE Lossless, by Tessera's own bounds-checked PackBits decoder.
    case rle
    /// JPEG 2000 and High-Throughput JPEG 2000, through OpenJPEG.
    case jpeg2000
}

public struct TransferSyntax: Sendable, Equatable {
    public let uid: String
    public let name: String
    public let family: TransferSyntaxFamily
    public let isLossy: Bool

    /// Every transfer syntax a radiology archive holds for images.
    public static let table: [String: TransferSyntax] = {
        let entries: [(String, String, TransferSyntaxFamily, Bool)] = [
            ("1.2.840.10008.1.2", "Implicit VR Little Endian", .native, false),
            ("1.2.840.10008.1.2.1", "Explicit VR Little Endian", .native, false),
            ("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", .native, false),
            ("1.2.840.10008.1.2.2", "Explicit VR Big Endian", .native, false),
            ("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", .dcmtkCodec, true),
            ("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", .dcmtkCodec, true),
            ("1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)", .dcmtkCodec, false),
            ("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1", .dcmtkCodec, false),
            ("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless", .dcmtkCodec, false),
            ("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless", .dcmtkCodec, true),
            ("1.2.840.10008.1.2.5", "RLE Lossless", .rle, false),
            ("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless", .jpeg2000, false),
            ("1.2.840.10008.1.2.4.91", "JPEG 2000", .jpeg2000, true),
            ("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Lossless", .jpeg2000, false),
            ("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component", .jpeg2000, true),
            ("1.2.840.10008.1.2.4.201", "HTJ2K Lossless", .jpeg2000, false),
            ("1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL", .jpeg2000, false),
            ("1.2.840.10008.1.2.4.203", "HTJ2K", .jpeg2000, true),
        ]
        return Dictionary(uniqueKeysWithValues: entries.map {
            ($0.0, TransferSyntax(uid: $0.0, name: $0.1, family: $0.2, isLossy: $0.3))
        })
    }()

    public static func lookup(_ uid: String) -> TransferSyntax? { table[uid] }
}
