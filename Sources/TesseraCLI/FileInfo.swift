import DicomIO
import Foundation

/// `tessera info FILE`: the header summary and pixel statistics.
struct FileInfo: Encodable {
    var path: String
    var sopClassUID: String?
    var modality: String?
    var transferSyntaxUID: String
    var transferSyntaxName: String?
    var rows: Int?
    var columns: Int?
    var frames: Int
    var samplesPerPixel: Int?
    var bitsAllocated: Int?
    var bitsStored: Int?
    var pixelRepresentation: Int?
    var photometricInterpretation: String?
    var monochrome1: Bool?
    var pixelSpacingMM: [Double]?
    var pixelSpacingSource: String?
    var modalityTransform: String?
    var pixelPaddingValue: Int?
    var storedValues: ValueStatistics?
    var modalityValues: ValueStatistics?
    var channelMeans: [Double]?

    static func read(path: String, options: DecodeOptions, checksum: Bool) throws -> FileInfo {
        let file = try DicomFile(path: path)
        let header = try ImageHeader(file: file)
        var info = FileInfo(path: path, sopClassUID: header.sopClassUID, modality: header.modality,
                            transferSyntaxUID: header.transferSyntaxUID,
                            transferSyntaxName: TransferSyntax.lookup(header.transferSyntaxUID)?.name,
                            frames: header.frames)
        guard let format = header.pixel else { return info }  // e.g. RTSTRUCT: header only
        info.rows = format.rows
        info.columns = format.columns
        info.samplesPerPixel = format.samplesPerPixel
        info.bitsAllocated = format.bitsAllocated
        info.bitsStored = format.bitsStored
        info.pixelRepresentation = format.isSigned ? 1 : 0
        info.photometricInterpretation = format.photometricInterpretation
        info.monochrome1 = header.isMonochrome1
        info.pixelSpacingMM = header.pixelSpacing
        info.pixelSpacingSource = header.pixelSpacingSource
        info.modalityTransform = describe(header.transform(frame: 0), perFrame: Set(header.frameTransforms.map { "\($0)" }).count > 1)
        info.pixelPaddingValue = header.pixelPaddingValue
        let image = try DicomImage(file: file, options: options)
        let stats = try ImageStatistics.compute(image, checksum: checksum)
        info.storedValues = stats.storedValues
        info.modalityValues = stats.modalityValues
        info.channelMeans = stats.channelMeans
        return info
    }

    private static func describe(_ t: ModalityTransform, perFrame: Bool) -> String {
        let base: String
        switch t {
        case .identity: base = "identity"
        case .rescale(let s, let i): base = "rescale slope \(s) intercept \(i)"
        case .lut(let l): base = "modality LUT (\(l.data.count) entries from \(l.firstMapped))"
        }
        return perFrame ? base + " (varies per frame)" : base
    }

    var text: String {
        var lines = ["\(path)"]
        func add(_ k: String, _ v: String?) { if let v { lines.append("  \(k.padding(toLength: 22, withPad: " ", startingAt: 0)) \(v)") } }
        add("modality", modality)
        add("transfer syntax", "\(transferSyntaxUID)\(transferSyntaxName.map { " (\($0))" } ?? "")")
        if let rows, let columns { add("size", "\(columns) x \(rows), \(frames) frame(s), \(samplesPerPixel ?? 1) sample(s)/pixel") }
        if let b = bitsAllocated { add("bits", "allocated \(b), stored \(bitsStored ?? b), \(pixelRepresentation == 1 ? "signed" : "unsigned")") }
        add("photometric", photometricInterpretation.map { $0 + (monochrome1 == true ? " (inverted for display only)" : "") })
        add("pixel spacing", pixelSpacingMM.map { "\($0.map { String($0) }.joined(separator: " x ")) mm (\(pixelSpacingSource ?? ""))" })
        add("modality transform", modalityTransform)
        add("pixel padding", pixelPaddingValue.map(String.init))
        func stat(_ s: ValueStatistics) -> String {
            "min \(s.min) max \(s.max) mean \(String(format: "%.4f", s.mean))" + (s.sha256_int32le.map { " sha256 \($0)" } ?? "")
        }
        add("stored values", storedValues.map(stat))
        add("modality values", modalityValues.map(stat))
        add("RGB channel means", channelMeans.map { $0.map { String(format: "%.3f", $0) }.joined(separator: ", ") })
        if rows == nil { lines.append("  (no pixel data)") }
        return lines.joined(separator: "\n")
    }
}
