/// Which pixels belong to the patient (or, for photographs, to the picture).
/// Background is what the tiler may drop: air around a CT patient and the
/// table; collimation borders and direct exposure on a radiograph.
public enum ForegroundMask {
    /// 1 = foreground, 0 = background, row-major.
    /// `cellSize` is the tiler's finest cell at this plane's resolution.
    public static func compute(_ plane: ImagePlane, domain: ImageDomain, normalized: [Float], cellSize: Int) -> [UInt8] {
        switch domain {
        case .ct: return ctBody(plane)
        case .xray: return radiographField(plane, normalized: normalized, cell: cellSize)
        case .natural: return [UInt8](repeating: 1, count: plane.values.count)
        }
    }

    /// Body = connected tissue above −500 HU (largest component, plus any
    /// other at least a quarter of its size, plus any thick enough to be a
    /// limb: an arm beside the chest, the other leg), with internal air
    /// (lungs, bowel gas) filled in. The table is a thin separate component
    /// and falls away; so does padding.
    /// Computed on 2×2 blocks (a block is tissue when any of its pixels is),
    /// which is 4× cheaper and loses nothing at the 16 px cell scale.
    static func ctBody(_ plane: ImagePlane) -> [UInt8] {
        let rows = (plane.rows + 1) / 2, cols = (plane.columns + 1) / 2
        let w = plane.columns
        let padding = plane.paddingValue ?? .nan
        // Tissue per 2×2 block: any pixel above −500 HU that is not padding
        // (branch-free, a pixel pair per block and row).
        @inline(__always) func isTissue(_ value: Float) -> UInt8 { (value > -500 ? 1 : 0) & (value != padding ? 1 : 0) }
        var tissue = [UInt8](repeating: 0, count: rows * cols)
        plane.values.withUnsafeBufferPointer { v in
            tissue.withUnsafeMutableBufferPointer { t in
                for y in 0..<plane.rows {
                    let base = y &* w, half = (y >> 1) &* cols
                    for k in 0..<(w / 2) {
                        t[half &+ k] |= isTissue(v[base &+ 2 &* k]) | isTissue(v[base &+ 2 &* k &+ 1])
                    }
                    if w % 2 == 1 { t[half &+ cols &- 1] |= isTissue(v[base &+ w &- 1]) }
                }
            }
        }
        // The tissue components at least a quarter the size of the largest, holes filled.
        let components = ConnectedComponents(tissue, rows: rows, columns: cols)
        let areas = components.areas
        guard let largest = areas.max(), largest > 0 else { return [UInt8](repeating: 0, count: plane.values.count) }
        // A limb or a small body part is kept when it is thick: area over
        // its longest side at least 15 mm, and at least 600 mm² (tables and
        // cushions are thin; dropping a limb would drop its lesions).
        let block = 2 * (plane.spacingMM?.mean ?? 0.7)
        let longest = components.longestSides
        func thick(_ c: Int) -> Bool {
            let area = Double(areas[c]) * block * block
            return area >= 600 && area / (Double(longest[c]) * block) >= 15
        }
        let body = ConnectedComponents.fillHoles(components.pixels { areas[$0] * 4 >= largest || (areas[$0] > 0 && thick($0)) },
                                                 rows: rows, columns: cols)
        // Back to full resolution: each block's value for its four pixels
        // (a pixel pair per two-byte store).
        return [UInt8](unsafeUninitializedCapacity: plane.values.count) { m, n in
            body.withUnsafeBufferPointer { b in
                let out = UnsafeMutableRawPointer(m.baseAddress!)
                for y in 0..<plane.rows {
                    let base = y &* w, half = (y >> 1) &* cols
                    for k in 0..<(w / 2) {
                        out.storeBytes(of: UInt16(b[half &+ k]) &* 0x0101, toByteOffset: base &+ 2 &* k, as: UInt16.self)
                    }
                    if w % 2 == 1 { m[base &+ w &- 1] = b[half &+ cols &- 1] }
                }
            }
            n = plane.values.count
        }
    }

    /// Cells that are flat (collimator blades, padding) or dark and
    /// nearly flat (direct exposure), and reach the image border through
    /// such cells, are background. Conservative: anything with structure stays.
    static func radiographField(_ plane: ImagePlane, normalized: [Float], cell: Int) -> [UInt8] {
        let gr = (plane.rows + cell - 1) / cell, gc = (plane.columns + cell - 1) / cell
        var sum = [Double](repeating: 0, count: gr * gc), sq = sum, count = sum
        for y in 0..<plane.rows {
            let cy = y / cell
            for x in 0..<plane.columns {
                let v = Double(normalized[y * plane.columns + x])
                let c = cy * gc + x / cell
                sum[c] += v; sq[c] += v * v; count[c] += 1
            }
        }
        var candidate = [UInt8](repeating: 0, count: gr * gc)
        for c in 0..<(gr * gc) {
            let m = sum[c] / count[c]
            let sd = (max(sq[c] / count[c] - m * m, 0)).squareRoot()
            candidate[c] = (sd < 0.001 || (m < 0.06 && sd < 0.02)) ? 1 : 0
        }
        let outside = ConnectedComponents.reachableFromBorder(candidate, rows: gr, columns: gc)
        var mask = [UInt8](repeating: 1, count: plane.values.count)
        let padding = plane.paddingValue
        for y in 0..<plane.rows {
            for x in 0..<plane.columns {
                let i = y * plane.columns + x
                if outside[(y / cell) * gc + x / cell] == 1 || plane.values[i] == padding { mask[i] = 0 }
            }
        }
        return mask
    }
}

/// 4-connected components of the 1-pixels of a row-major byte mask, found
/// on runs: each row's runs of 1s are joined by union–find to the runs they
/// overlap in the row above. A 128² body mask has a few hundred runs against
/// sixteen thousand pixels: each pixel is read once and written once, where
/// a flood fill visited every pixel from four neighbours (a fifth of a CT
/// slice's scoring).
struct ConnectedComponents {
    let rows: Int
    let columns: Int
    /// Runs in raster order: row, first column, end column (exclusive).
    private let row: [Int32], start: [Int32], end: [Int32]
    /// Each run's component: the index of the component's first run (so
    /// components are numbered in raster order of their first pixel).
    let component: [Int32]

    init(_ mask: [UInt8], rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
        var row: [Int32] = [], start: [Int32] = [], end: [Int32] = [], parent: [Int32] = []
        mask.withUnsafeBufferPointer { m in
            /// The root of run i, halving the path on the way.
            func find(_ i: Int32) -> Int32 {
                var i = i
                while parent[Int(i)] != i { parent[Int(i)] = parent[Int(parent[Int(i)])]; i = parent[Int(i)] }
                return i
            }
            var above = 0..<0  // the previous row's runs
            for y in 0..<rows {
                let base = y &* columns, first = start.count
                var x = 0, overlap = above.lowerBound
                while x < columns {
                    guard m[base &+ x] == 1 else { x &+= 1; continue }
                    let s = x
                    while x < columns && m[base &+ x] == 1 { x &+= 1 }
                    let id = Int32(start.count)
                    row.append(Int32(y)); start.append(Int32(s)); end.append(Int32(x)); parent.append(id)
                    // Runs above ending at or before s touch neither this run nor later ones.
                    while overlap < above.upperBound && Int(end[overlap]) <= s { overlap &+= 1 }
                    var k = overlap
                    while k < above.upperBound && Int(start[k]) < x {
                        let a = find(Int32(k)), b = find(id)
                        if a != b { parent[Int(max(a, b))] = min(a, b) }  // the earlier run stays the root
                        k &+= 1
                    }
                }
                above = first..<start.count
            }
        }
        // Parents always point to earlier runs: one pass in order resolves every root.
        for i in parent.indices where parent[i] != Int32(i) { parent[i] = parent[Int(parent[i])] }
        (self.row, self.start, self.end, component) = (row, start, end, parent)
    }

    /// Pixel count per component (by first run; 0 for runs that are not first).
    var areas: [Int] {
        var area = [Int](repeating: 0, count: component.count)
        for i in component.indices { area[Int(component[i])] += Int(end[i] - start[i]) }
        return area
    }

    /// Per component (by first run): the longer side of its bounding box, in pixels.
    var longestSides: [Int] {
        var box = [(Int32, Int32, Int32, Int32)](repeating: (.max, .min, .max, .min), count: component.count)
        for i in component.indices {
            let c = Int(component[i])
            box[c] = (min(box[c].0, row[i]), max(box[c].1, row[i]), min(box[c].2, start[i]), max(box[c].3, end[i] - 1))
        }
        return box.map { $0.0 > $0.1 ? 0 : Int(max($0.1 - $0.0, $0.3 - $0.2)) + 1 }
    }

    /// Per component (by first run): whether it has a pixel on the image border.
    var touchesBorder: [Bool] {
        var touches = [Bool](repeating: false, count: component.count)
        for i in component.indices
        where row[i] == 0 || Int(row[i]) == rows - 1 || start[i] == 0 || Int(end[i]) == columns {
            touches[Int(component[i])] = true
        }
        return touches
    }

    /// 1 on the pixels of the components `keep` accepts (by first run).
    func pixels(where keep: (Int) -> Bool) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * columns)
        out.withUnsafeMutableBufferPointer { o in
            for i in component.indices where keep(Int(component[i])) {
                let from = Int(row[i]) &* columns
                UnsafeMutableBufferPointer(rebasing: o[(from &+ Int(start[i]))..<(from &+ Int(end[i]))]).update(repeating: 1)
            }
        }
        return out
    }

    /// Marks the pixels of `open` (value 1) that connect to the image border
    /// through other open pixels.
    static func reachableFromBorder(_ open: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        let components = ConnectedComponents(open, rows: rows, columns: columns)
        let border = components.touchesBorder
        return components.pixels { border[$0] }
    }

    /// Foreground (nonzero) plus every background region not connected to the border.
    static func fillHoles(_ mask: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        var outside = reachableFromBorder(mask.map { $0 == 0 ? 1 : 0 }, rows: rows, columns: columns)
        outside.withUnsafeMutableBufferPointer { o in for i in 0..<o.count { o[i] ^= 1 } }
        return outside
    }
}
