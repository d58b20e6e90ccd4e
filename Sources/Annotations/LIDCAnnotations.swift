import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One reader's outline of one nodule on one slice, from an LIDC-IDRI XML
/// file (`readingSession/unblindedReadNodule/roi`).
public struct LIDCOutline: Sendable, Equatable {
    public var reader: Int
    public var noduleID: String
    public var sopInstanceUID: String
    public var z: Double
    /// FALSE marks a hole (excluded region) inside the nodule.
    public var inclusion: Bool
    /// Boundary pixels (x = column, y = row), as drawn.
    public var edge: [(x: Int, y: Int)]

    /// Sub-3 mm nodules are a single point.
    public var isPoint: Bool { edge.count == 1 }

    public static func == (a: LIDCOutline, b: LIDCOutline) -> Bool {
        a.reader == b.reader && a.noduleID == b.noduleID && a.sopInstanceUID == b.sopInstanceUID
            && a.z == b.z && a.inclusion == b.inclusion && a.edge.elementsEqual(b.edge) { $0 == $1 }
    }
}

public enum LIDCError: Error, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    public var description: String {
        switch self { case .unreadable(let p, let r): return "\(p): not a readable LIDC XML file (\(r))" }
    }
}

public enum LIDCAnnotations {
    public static func read(path: String) throws(LIDCError) -> [LIDCOutline] {
        guard let parser = XMLParser(contentsOf: URL(fileURLWithPath: path)) else {
            throw .unreadable(path: path, reason: "cannot open")
        }
        let delegate = Delegate()
        parser.delegate = delegate
        guard parser.parse() else {
            throw .unreadable(path: path, reason: parser.parserError.map { "\($0)" } ?? "parse error")
        }
        return delegate.outlines
    }

    /// ROIs on one slice: every reader's contoured nodule (holes removed,
    /// boundary pixels included), and sub-3 mm nodules as 3 mm discs.
    public static func rois(_ outlines: [LIDCOutline], sopInstanceUID: String, rows: Int, columns: Int,
                            pixelSpacingMM: Double, includePoints: Bool = true) -> [ROI] {
        let onSlice = outlines.filter { $0.sopInstanceUID == sopInstanceUID }
        var groups: [String: [LIDCOutline]] = [:]
        var order: [String] = []
        for o in onSlice {
            let key = "reader\(o.reader)-\(o.noduleID)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(o)
        }
        return order.compactMap { key in
            let parts = groups[key]!
            if parts.allSatisfy(\.isPoint) {
                guard includePoints, let p = parts.first?.edge.first else { return nil }
                return ROI(id: key, label: "nodule<3mm", shape: .circle(cx: Double(p.x), cy: Double(p.y), r: 1.5 / pixelSpacingMM))
            }
            var inside = Set<Int>()
            for o in parts where o.inclusion && !o.isPoint { inside.formUnion(region(o, rows: rows, columns: columns)) }
            for o in parts where !o.inclusion && !o.isPoint {
                // A hole excludes its interior; its drawn boundary stays part of the nodule.
                let hole = Set(Polygon.rasterize(o.edge.map { [Double($0.x) + 0.5, Double($0.y) + 0.5] }, rows: rows, columns: columns))
                inside.subtract(hole.subtracting(o.edge.map { $0.y * columns + $0.x }))
            }
            return inside.isEmpty ? nil : ROI.fromPixels(id: key, label: "nodule", pixels: Array(inside), columns: columns)
        }
    }

    /// Interior (pixel centres inside the outline through boundary-pixel
    /// centres) plus the boundary pixels themselves.
    static func region(_ o: LIDCOutline, rows: Int, columns: Int) -> Set<Int> {
        var set = Set(Polygon.rasterize(o.edge.map { [Double($0.x) + 0.5, Double($0.y) + 0.5] }, rows: rows, columns: columns))
        for p in o.edge where p.x >= 0 && p.x < columns && p.y >= 0 && p.y < rows { set.insert(p.y * columns + p.x) }
        return set
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var outlines: [LIDCOutline] = []
        private var reader = -1
        private var inNodule = false
        private var noduleID = ""
        private var current: LIDCOutline?
        private var x: Int?
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            text = ""
            switch name {
            case "readingSession": reader += 1
            case "unblindedReadNodule": inNodule = true; noduleID = ""
            case "roi" where inNodule:
                current = LIDCOutline(reader: reader, noduleID: noduleID, sopInstanceUID: "", z: 0, inclusion: true, edge: [])
            default: break
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            switch name {
            case "noduleID" where inNodule: noduleID = value
            case "unblindedReadNodule": inNodule = false
            case "imageZposition": current?.z = Double(value) ?? 0
            case "imageSOP_UID": current?.sopInstanceUID = value
            case "inclusion": current?.inclusion = value.uppercased() != "FALSE"
            case "xCoord": x = Int(value)
            case "yCoord": if let xv = x, let yv = Int(value) { current?.edge.append((xv, yv)) }; x = nil
            case "roi":
                if let c = current, !c.edge.isEmpty { outlines.append(c) }
                current = nil
            default: break
            }
            text = ""
        }
    }
}
