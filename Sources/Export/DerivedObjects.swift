import CDicomWrite
import CImageIO
import Crypto
import DicomIO
import FileOutput
import Foundation
import Scoring
import TesseraSupport
import Tiling

/// Tessera's version as written into derived DICOM objects.

/// The two SEG segments, as bytes per source pixel (0…255).
public struct SegmentationPlanes: Sendable, Equatable {
    /// Density score of the pixel's cell × 255 (0 on background).
    public var score: [UInt8]
    /// 255 where the pixel lies in a finest (basePatch) token.
    public var finest: [UInt8]

    public static func make(scored: ScoredImage, map: TokenMap) -> SegmentationPlanes {
        let grid = scored.grid, rows = grid.imageRows, columns = grid.imageColumns
        var score = [UInt8](repeating: 0, count: rows * columns)
        for y in 0..<rows {
            let cy = y / grid.cellSize
            for x in 0..<columns {
                let c = cy * grid.columns + x / grid.cellSize
                if scored.features.foreground[c] > 0 {
                    score[y * columns + x] = UInt8((min(max(scored.scores[c], 0), 1) * 255).rounded())
                }
            }
        }
        return SegmentationPlanes(score: score, finest: map.coverageMask(finest: 255, coarser: 0))
    }
}

/// Series and instance identity of derived objects: every SEG (or SC) made
/// from one source series with one profile shares a series, so a heatmapped
/// CT adds one series per kind to the study, not one per slice; rewriting
/// gives the same series.
public enum DerivedIdentity {
    /// `2.25.` and the first 128 bits of SHA-256(key) as a decimal integer
    /// (a UUID-derived UID, PS3.5 B.2).
    public static func uid(_ key: String) -> String {
        let digest = Array(SHA256.hash(data: Array(key.utf8)).prefix(16))
        let value = digest.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        return "2.25." + String(value)
    }

    static func series(_ kind: String, source: ImageHeader, profileName: String) throws -> String {
        guard let series = source.seriesInstanceUID else {
            throw ExportError.sourceAttributeMissing(path: source.path, attribute: "Series Instance UID")
        }
        return uid("tessera/\(kind)/\(series)/\(profileName)")
    }

    /// The frame number for multi-frame sources, else the source's Instance Number.
    static func instanceNumber(_ source: ImageHeader, frame: Int) -> UInt32 {
        UInt32(clamping: source.frames > 1 ? frame + 1 : max(source.instanceNumber ?? 1, 1))
    }

    /// What a derived object must reference, checked before anything is written.
    static func requireReferences(_ source: ImageHeader) throws {
        let required: [(String?, String)] = [(source.sopClassUID, "SOP Class UID"), (source.sopInstanceUID, "SOP Instance UID"),
                                             (source.studyInstanceUID, "Study Instance UID"),
                                             (source.seriesInstanceUID, "Series Instance UID")]
        for (value, name) in required where value?.isEmpty ?? true {
            throw ExportError.sourceAttributeMissing(path: source.path, attribute: name)
        }
    }
}

/// Writes the heatmap as PNG (libpng) and as DICOM objects that reference
/// the source image (DCMTK): a fractional SEG and a Secondary Capture.
/// Every file goes through a temporary name and a rename.
public enum HeatmapWriter {
    public static func writePNG(_ canvas: Canvas, to path: String) throws {
        try AtomicWrite.write(to: path) { temp in
            var err = [CChar](repeating: 0, count: 256)
            let status = canvas.pixels.withUnsafeBufferPointer {
                timg_write_png(temp, $0.baseAddress, UInt32(canvas.width), UInt32(canvas.height), 3, &err, err.count)
            }
            guard status == 0 else { throw ExportError.pngWrite(path: path, reason: message(err)) }
        }
    }

    /// Which segmentation to write: FRACTIONAL (PROBABILITY) with the density
    /// score and the finest-token region (0 or 255; one SEG is either
    /// BINARY or FRACTIONAL as a whole), or BINARY with the finest-token
    /// region alone, for viewers and pipelines that take binary masks only.
    public enum SegmentationKind: String, Sendable {
        case fractional, binary
    }

    public static func writeSegmentation(source: ImageHeader, frame: Int, planes: SegmentationPlanes,
                                         profileName: String, kind: SegmentationKind = .fractional, to path: String) throws {
        guard let pixel = source.pixel else { throw ExportError.needsDICOMSource(path: source.path, output: path) }
        guard pixel.rows <= 65535, pixel.columns <= 65535 else {
            throw ExportError.tooLarge(path: source.path, rows: pixel.rows, columns: pixel.columns)
        }
        // The C side copies rows × columns bytes from each plane.
        let pixels = pixel.rows * pixel.columns
        guard planes.score.count == pixels, planes.finest.count == pixels else {
            throw ExportError.sizeMismatch(path: source.path, reason: "segment planes hold \(planes.score.count) and "
                                           + "\(planes.finest.count) values for a \(pixel.columns)×\(pixel.rows) frame")
        }
        let seriesUID = try DerivedIdentity.series(kind == .binary ? "seg-binary" : "seg", source: source, profileName: profileName)
        var geometry = tdw_geometry()
        if let p = source.position(frame: frame), p.count == 3 {
            geometry.hasPosition = 1
            geometry.position = (p[0], p[1], p[2])
        }
        if let o = source.imageOrientation, o.count == 6 {
            geometry.hasOrientation = 1
            geometry.orientation = (o[0], o[1], o[2], o[3], o[4], o[5])
        }
        if let s = source.pixelSpacing, s.count == 2 {
            geometry.hasSpacing = 1
            geometry.spacing = (s[0], s[1])
            if let t = source.sliceThickness, t > 0 { geometry.hasThickness = 1; geometry.sliceThickness = t }
        }
        let finest = ["Finest tokens", "Region tokenized at the finest patch size", "TD002", "Finest-token region"]
        let texts = kind == .binary ? [finest]
            : [["Density score", "Information-density score of each cell (1 = densest)", "TD001", "Information density score"],
               finest]
        // One contiguous buffer: segment k's values start at k × pixels.
        let values = kind == .binary ? planes.finest.map { $0 == 0 ? UInt8(0) : 1 } : planes.score + planes.finest
        let algorithm = "Tessera density scorer (\(profileName) profile)"
        try AtomicWrite.write(to: path) { temp in
            var err = [CChar](repeating: 0, count: 512)
            let status: Int32 = withStrings(texts.flatMap { $0 } + [algorithm, tesseraVersion, "Tessera density map", source.path,
                                                                     temp, seriesUID]) { s in
                let base = texts.count * 4
                return values.withUnsafeBufferPointer { v in
                    let segments = (0..<texts.count).map { k in
                        tdw_segment(label: s[4 * k], description: s[4 * k + 1], typeCode: s[4 * k + 2], typeMeaning: s[4 * k + 3],
                                    values: v.baseAddress! + k * pixels)
                    }
                    return segments.withUnsafeBufferPointer { segs in
                        var request = tdw_seg_request(
                            sourcePath: s[base + 3], sourceFrame: source.frames > 1 ? UInt32(frame + 1) : 0,
                            rows: UInt16(pixel.rows), columns: UInt16(pixel.columns), geometry: geometry,
                            segments: segs.baseAddress, segmentCount: UInt32(texts.count), binary: kind == .binary ? 1 : 0,
                            algorithmName: s[base], algorithmVersion: s[base + 1], seriesDescription: s[base + 2],
                            seriesInstanceUID: s[base + 5], instanceNumber: DerivedIdentity.instanceNumber(source, frame: frame),
                            outputPath: s[base + 4])
                        return tdw_write_seg(&request, &err, err.count)
                    }
                }
            }
            guard status == 0 else { throw ExportError.dicomWrite(path: path, reason: message(err)) }
        }
    }

    /// Secondary Capture (RGB) of the rendered heatmap, in the source's study.
    public static func writeSecondaryCapture(source: ImageHeader, frame: Int, canvas: Canvas, profileName: String,
                                             to path: String) throws {
        guard canvas.width <= 65535, canvas.height <= 65535 else {
            throw ExportError.tooLarge(path: source.path, rows: canvas.height, columns: canvas.width)
        }
        let seriesUID = try DerivedIdentity.series("sc", source: source, profileName: profileName)
        try AtomicWrite.write(to: path) { temp in
            var err = [CChar](repeating: 0, count: 512)
            let status: Int32 = withStrings(["Tessera heatmap", "Tessera information-density heatmap and token map overlay",
                                             tesseraVersion, source.path, temp, seriesUID]) { s in
                canvas.pixels.withUnsafeBufferPointer { rgb in
                    var request = tdw_sc_request(
                        sourcePath: s[3], sourceFrame: source.frames > 1 ? UInt32(frame + 1) : 0,
                        rows: UInt16(canvas.height), columns: UInt16(canvas.width), rgb: rgb.baseAddress,
                        seriesDescription: s[0], derivationDescription: s[1], softwareVersion: s[2],
                        seriesInstanceUID: s[5], instanceNumber: DerivedIdentity.instanceNumber(source, frame: frame),
                        outputPath: s[4])
                    return tdw_write_sc(&request, &err, err.count)
                }
            }
            guard status == 0 else { throw ExportError.dicomWrite(path: path, reason: message(err)) }
        }
    }

    private static func message(_ err: [CChar]) -> String {
        cString(err)
    }
}

/// C strings for the duration of `body`.
private func withStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>]) -> R) -> R {
    let copies = strings.map { strdup($0)! }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}
