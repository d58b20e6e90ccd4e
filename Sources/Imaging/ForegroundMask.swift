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
    /// other at least a quarter of its size), with internal air (lungs,
    /// bowel gas) filled in. The table is a thin separate component and
    /// falls away; so does padding.
    /// Computed on 2×2 blocks (a block is tissue when any of its pixels is),
    /// which is 4× cheaper and loses nothing at the 16 px cell scale.
    static func ctBody(_ plane: ImagePlane) -> [UInt8] {
        let rows = (plane.rows + 1) / 2, cols = (plane.columns + 1) / 2
        let w = plane.columns
        let padding = plane.paddingValue ?? .nan
        // Tissue per 2×2 block: any pixel above −500 HU that is not padding.
        var tissue = [UInt8](repeating: 0, count: rows * cols)
        plane.values.withUnsafeBufferPointer { v in
            tissue.withUnsafeMutableBufferPointer { t in
                for y in 0..<plane.rows {
                    let base = y &* w, half = (y >> 1) &* cols
                    for x in 0..<w {
                        let value = v[base &+ x]
                        t[half &+ (x >> 1)] |= (value > -500 && value != padding) ? 1 : 0
                    }
                }
            }
        }
        let (labels, areas) = ConnectedComponents.label(tissue, rows: rows, columns: cols)
        guard let largest = areas.max(), largest > 0 else { return [UInt8](repeating: 0, count: plane.values.count) }
        let keep: [UInt8] = [0] + areas.map { $0 * 4 >= largest ? 1 : 0 }
        var body = [UInt8](repeating: 0, count: rows * cols)
        body.withUnsafeMutableBufferPointer { b in
            labels.withUnsafeBufferPointer { l in
                keep.withUnsafeBufferPointer { k in
                    for i in 0..<b.count { b[i] = k[Int(l[i])] }
                }
            }
        }
        body = ConnectedComponents.fillHoles(body, rows: rows, columns: cols)
        // Back to full resolution: each block's value for its four pixels.
        var mask = [UInt8](repeating: 0, count: plane.values.count)
        mask.withUnsafeMutableBufferPointer { m in
            body.withUnsafeBufferPointer { b in
                for y in 0..<plane.rows {
                    let base = y &* w, half = (y >> 1) &* cols
                    for x in 0..<w { m[base &+ x] = b[half &+ (x >> 1)] }
                }
            }
        }
        return mask
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
            candidate[c] = (sd < 0.004 || (m < 0.06 && sd < 0.02)) ? 1 : 0
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

/// 4-connected labelling and flood fills on byte masks (unsafe buffers and
/// an explicit stack: these run on every slice).
enum ConnectedComponents {
    /// Labels 1…k for foreground pixels, and each label's area.
    static func label(_ mask: [UInt8], rows: Int, columns: Int) -> (labels: [Int32], areas: [Int]) {
        var labels = [Int32](repeating: 0, count: mask.count)
        var areas: [Int] = []
        var stack = [Int32](repeating: 0, count: mask.count)
        mask.withUnsafeBufferPointer { m in
            labels.withUnsafeMutableBufferPointer { l in
                stack.withUnsafeMutableBufferPointer { st in
                    for start in 0..<m.count where m[start] == 1 && l[start] == 0 {
                        let label = Int32(areas.count + 1)
                        var top = 0, area = 0
                        l[start] = label
                        st[top] = Int32(start); top += 1
                        while top > 0 {
                            top -= 1
                            let p = Int(st[top])
                            area += 1
                            let y = p / columns, x = p - y * columns
                            @inline(__always) func push(_ q: Int) {
                                if m[q] == 1 && l[q] == 0 { l[q] = label; st[top] = Int32(q); top += 1 }
                            }
                            if x > 0 { push(p - 1) }
                            if x + 1 < columns { push(p + 1) }
                            if y > 0 { push(p - columns) }
                            if y + 1 < rows { push(p + columns) }
                        }
                        areas.append(area)
                    }
                }
            }
        }
        return (labels, areas)
    }

    /// Marks the pixels of `open` (value 1) that connect to the image border
    /// through other open pixels.
    static func reachableFromBorder(_ open: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        var reached = [UInt8](repeating: 0, count: open.count)
        var stack = [Int32](repeating: 0, count: open.count)
        open.withUnsafeBufferPointer { o in
            reached.withUnsafeMutableBufferPointer { r in
                stack.withUnsafeMutableBufferPointer { st in
                    var top = 0
                    func seed(_ p: Int) {
                        if o[p] == 1 && r[p] == 0 { r[p] = 1; st[top] = Int32(p); top += 1 }
                    }
                    for x in 0..<columns { seed(x); seed((rows - 1) * columns + x) }
                    for y in 0..<rows { seed(y * columns); seed(y * columns + columns - 1) }
                    while top > 0 {
                        top -= 1
                        let p = Int(st[top])
                        let y = p / columns, x = p - y * columns
                        if x > 0 { seed(p - 1) }
                        if x + 1 < columns { seed(p + 1) }
                        if y > 0 { seed(p - columns) }
                        if y + 1 < rows { seed(p + columns) }
                    }
                }
            }
        }
        return reached
    }

    /// Foreground plus every background region not connected to the border.
    static func fillHoles(_ mask: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        var outside = reachableFromBorder(mask.map { $0 ^ 1 }, rows: rows, columns: columns)
        outside.withUnsafeMutableBufferPointer { o in for i in 0..<o.count { o[i] ^= 1 } }
        return outside
    }
}
