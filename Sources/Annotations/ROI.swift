/// The `tessera.rois/1` contract: regions of interest on one image frame.
public struct ROISet: Sendable, Codable, Equatable {
    public static let schemaID = "tessera.rois/1"
    public var schema: String = ROISet.schemaID
    public var image: ImageRef
    public var rois: [ROI]

    public init(image: ImageRef, rois: [ROI]) {
        self.image = image
        self.rois = rois
    }

    public struct ImageRef: Sendable, Codable, Equatable {
        public var path: String?
        public var sopInstanceUID: String?
        public var frame: Int?
        public var rows: Int
        public var columns: Int
        public init(path: String?, sopInstanceUID: String?, frame: Int?, rows: Int, columns: Int) {
            self.path = path; self.sopInstanceUID = sopInstanceUID; self.frame = frame
            self.rows = rows; self.columns = columns
        }
    }
}

public struct ROI: Sendable, Equatable {
    public var id: String
    public var label: String?
    public var shape: Shape

    public init(id: String, label: String? = nil, shape: Shape) {
        self.id = id; self.label = label; self.shape = shape
    }

    public enum Shape: Sendable, Equatable {
        case box(x: Int, y: Int, w: Int, h: Int)
        case circle(cx: Double, cy: Double, r: Double)
        case polygon(points: [[Double]])
        /// bbox [x, y, w, h] and (start, length) runs over the row-major frame.
        case maskRLE(bbox: [Int], runs: [Int])
    }

    /// Row-major pixel indices of the region inside a rows × columns frame.
    public func pixels(rows: Int, columns: Int) -> [Int] {
        var out: [Int] = []
        switch shape {
        case .box(let x, let y, let w, let h):
            for yy in max(y, 0)..<min(y + h, rows) {
                for xx in max(x, 0)..<max(max(x, 0), min(x + w, columns)) { out.append(yy * columns + xx) }
            }
        case .circle(let cx, let cy, let r):
            let y0 = max(0, Int((cy - r).rounded(.down))), y1 = min(rows - 1, Int((cy + r).rounded(.up)))
            let x0 = max(0, Int((cx - r).rounded(.down))), x1 = min(columns - 1, Int((cx + r).rounded(.up)))
            guard y0 <= y1, x0 <= x1 else { return [] }
            for y in y0...y1 {
                for x in x0...x1 where (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy) <= r * r {
                    out.append(y * columns + x)
                }
            }
        case .polygon(let points):
            out = Polygon.rasterize(points, rows: rows, columns: columns)
        case .maskRLE(_, let runs):
            var i = 0
            while i + 1 < runs.count {
                let start = max(runs[i], 0), end = min(runs[i] + runs[i + 1], rows * columns)
                if start < end { out.append(contentsOf: start..<end) }
                i += 2
            }
        }
        return out
    }

    /// A mask-rle ROI from row-major pixel indices (sorted, deduplicated).
    public static func fromPixels(id: String, label: String?, pixels: [Int], columns: Int) -> ROI {
        let sorted = Array(Set(pixels)).sorted()
        var runs: [Int] = []
        var minX = Int.max, minY = Int.max, maxX = Int.min, maxY = Int.min
        for p in sorted {
            let y = p / columns, x = p % columns
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
            if let last = runs.indices.last, runs[last - 1] + runs[last] == p { runs[last] += 1 } else { runs += [p, 1] }
        }
        let bbox = sorted.isEmpty ? [0, 0, 0, 0] : [minX, minY, maxX - minX + 1, maxY - minY + 1]
        return ROI(id: id, label: label, shape: .maskRLE(bbox: bbox, runs: runs))
    }
}

/// Even-odd polygon fill: pixel (x, y) is inside when its centre is.
enum Polygon {
    static func rasterize(_ points: [[Double]], rows: Int, columns: Int) -> [Int] {
        guard points.count >= 3 else { return [] }
        var out: [Int] = []
        let ys = points.map { $0[1] }
        let y0 = max(0, Int(ys.min()!.rounded(.down))), y1 = min(rows - 1, Int(ys.max()!.rounded(.up)))
        guard y0 <= y1 else { return [] }
        for y in y0...y1 {
            let cy = Double(y) + 0.5
            var crossings: [Double] = []
            for i in points.indices {
                let a = points[i], b = points[(i + 1) % points.count]
                if (a[1] <= cy) != (b[1] <= cy) {
                    crossings.append(a[0] + (cy - a[1]) / (b[1] - a[1]) * (b[0] - a[0]))
                }
            }
            crossings.sort()
            var k = 0
            while k + 1 < crossings.count {
                // centres x+0.5 in (left, right)
                let xs = max(0, Int((crossings[k] - 0.5).rounded(.up)))
                let xe = min(columns - 1, Int((crossings[k + 1] - 0.5).rounded(.down)))
                if xs <= xe { for x in xs...xe where Double(x) + 0.5 > crossings[k] && Double(x) + 0.5 < crossings[k + 1] { out.append(y * columns + x) } }
                k += 2
            }
        }
        return out
    }
}
