import DicomIO
import Foundation

/// One closed planar contour of an RT Structure Set, in patient coordinates (mm).
public struct RTContour: Sendable {
    public var roiNumber: Int
    public var roiName: String
    public var frameOfReferenceUID: String?
    public var referencedSOPInstanceUID: String?
    public var points: [[Double]]
}

public enum ROISourceError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    case wrongKind(path: String, expected: String, found: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "\(p): cannot read ROIs (\(r))"
        case .wrongKind(let p, let e, let f): return "\(p): expected \(e), found \(f)"
        }
    }
}

/// RTSTRUCT → ROIs on the slices of a series: matched by the contour's
/// referenced SOP Instance UID when it resolves, else by Frame of Reference
/// and the slice whose plane the contour lies in.
public enum RTStructReader {
    static let structureSetROISequence = TagPath(0x3006, 0x0020, "StructureSetROISequence")
    static let roiNumber = TagPath(0x3006, 0x0022, "ROINumber")
    static let roiName = TagPath(0x3006, 0x0026, "ROIName")
    static let referencedFrameOfReferenceUID = TagPath(0x3006, 0x0024, "ReferencedFrameOfReferenceUID")
    static let roiContourSequence = TagPath(0x3006, 0x0039, "ROIContourSequence")
    static let referencedROINumber = TagPath(0x3006, 0x0084, "ReferencedROINumber")
    static let contourSequence = TagPath(0x3006, 0x0040, "ContourSequence")
    static let contourImageSequence = TagPath(0x3006, 0x0016, "ContourImageSequence")
    static let referencedSOPInstanceUID = TagPath(0x0008, 0x1155, "ReferencedSOPInstanceUID")
    static let contourData = TagPath(0x3006, 0x0050, "ContourData")

    public static func contours(path: String) throws -> [RTContour] {
        let file = try DicomFile(path: path)
        let modality = file.string(.modality) ?? "?"
        guard modality == "RTSTRUCT" else { throw ROISourceError.wrongKind(path: path, expected: "RTSTRUCT", found: modality) }
        var names: [Int: (String, String?)] = [:]
        for i in 0..<file.itemCount(structureSetROISequence) {
            let item = { (t: TagPath) in structureSetROISequence.item(i, t) }
            guard let n = try file.int(item(roiNumber)) else { continue }
            names[n] = (file.string(item(roiName)) ?? "ROI \(n)", file.string(item(referencedFrameOfReferenceUID)))
        }
        var out: [RTContour] = []
        for i in 0..<file.itemCount(roiContourSequence) {
            let number = try file.int(roiContourSequence.item(i, referencedROINumber)) ?? i + 1
            let contours = roiContourSequence.item(i, contourSequence)
            for j in 0..<file.itemCount(contours) {
                let contour = { (t: TagPath) in contours.item(j, t) }
                guard let values = try file.doubles(contour(contourData)), values.count >= 9, values.count % 3 == 0 else { continue }
                let points = stride(from: 0, to: values.count, by: 3).map { Array(values[$0..<($0 + 3)]) }
                out.append(RTContour(roiNumber: number, roiName: names[number]?.0 ?? "ROI \(number)",
                                     frameOfReferenceUID: names[number]?.1,
                                     referencedSOPInstanceUID: file.string(contour(contourImageSequence.item(0, referencedSOPInstanceUID))),
                                     points: points))
            }
        }
        return out
    }

    /// ROIs per slice SOP Instance UID: one ROI per structure and slice, all
    /// its contours on that slice filled together even-odd (islands add,
    /// nested contours are holes).
    public static func rois(_ contours: [RTContour], series: [ImageHeader]) -> [String: [ROI]] {
        let bySOP = Dictionary(series.compactMap { h in h.sopInstanceUID.map { ($0, h) } }, uniquingKeysWith: { a, _ in a })
        var grouped: [String: [Int: [RTContour]]] = [:]
        for c in contours {
            guard let target = match(c, bySOP: bySOP, series: series), let uid = target.sopInstanceUID else { continue }
            grouped[uid, default: [:]][c.roiNumber, default: []].append(c)
        }
        var out: [String: [ROI]] = [:]
        for (uid, byROI) in grouped {
            let h = bySOP[uid]!
            out[uid] = byROI.keys.sorted().compactMap { number in
                let parts = byROI[number]!
                let pixels = fill(parts.map { project($0.points, onto: h) }, header: h)
                guard !pixels.isEmpty, let fmt = h.pixel else { return nil }
                return ROI.fromPixels(id: "roi\(number)", label: parts[0].roiName, pixels: pixels, columns: fmt.columns)
            }
        }
        return out
    }

    static func match(_ c: RTContour, bySOP: [String: ImageHeader], series: [ImageHeader]) -> ImageHeader? {
        if let uid = c.referencedSOPInstanceUID, let h = bySOP[uid] { return h }
        // Fallback: same Frame of Reference, and the slice whose plane holds the contour.
        let candidates = series.filter { c.frameOfReferenceUID == nil || $0.frameOfReferenceUID == c.frameOfReferenceUID }
        var best: (ImageHeader, Double)?
        for h in candidates {
            guard let o = h.imageOrientation, let p = h.position(frame: 0) else { continue }
            let n = Geometry.cross(Array(o[0..<3]), Array(o[3..<6]))
            let d = abs(Geometry.dot(c.points[0], n) - Geometry.dot(p, n))
            if best == nil || d < best!.1 { best = (h, d) }
        }
        let tolerance = (best?.0.sliceThickness ?? 1) / 2
        return best.flatMap { $0.1 <= max(tolerance, 0.5) ? $0.0 : nil }
    }

    /// Patient coordinates → contract pixel coordinates (pixel centres at +0.5).
    static func project(_ points: [[Double]], onto h: ImageHeader) -> [[Double]] {
        guard let o = h.imageOrientation, let ipp = h.position(frame: 0), let s = h.pixelSpacing else { return [] }
        let xDir = Array(o[0..<3]), yDir = Array(o[3..<6])
        return points.map { p in
            let d = zip(p, ipp).map { $0 - $1 }
            return [Geometry.dot(d, xDir) / s[1] + 0.5, Geometry.dot(d, yDir) / s[0] + 0.5]
        }
    }

    static func fill(_ polygons: [[[Double]]], header h: ImageHeader) -> [Int] {
        guard let fmt = h.pixel else { return [] }
        var parity = [UInt8](repeating: 0, count: fmt.rows * fmt.columns)
        for poly in polygons { for p in Polygon.rasterize(poly, rows: fmt.rows, columns: fmt.columns) { parity[p] ^= 1 } }
        return parity.indices.filter { parity[$0] == 1 }
    }
}
