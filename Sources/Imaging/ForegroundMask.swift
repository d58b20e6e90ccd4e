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

/// 4-connected labelling and flood fills on 0/1 byte masks. They run on
/// every slice, so they work inside a one-pixel frame: every neighbour of an
/// image pixel exists, and a fill needs no coordinates (a division per pixel)
/// and no bounds checks.
enum ConnectedComponents {
    /// Labels 1…k for foreground pixels (numbered in raster order of their
    /// first pixel), and each label's area.
    static func label(_ mask: [UInt8], rows: Int, columns: Int) -> (labels: [Int32], areas: [Int]) {
        let w = columns + 2
        let framedMask = framed(mask, rows: rows, columns: columns, frame: 0)
        var labels = [Int32](repeating: 0, count: framedMask.count)
        var areas: [Int] = []
        framedMask.withUnsafeBufferPointer { m in
            labels.withUnsafeMutableBufferPointer { l in
                withStack(m.count) { stack in
                    for y in 0..<rows {
                        for start in ((y + 1) * w + 1)..<((y + 1) * w + 1 + columns) where m[start] == 1 && l[start] == 0 {
                            let label = Int32(areas.count + 1)
                            l[start] = label
                            areas.append(flood(from: start, width: w, stack: stack) { q in
                                guard m[q] == 1 && l[q] == 0 else { return false }
                                l[q] = label
                                return true
                            })
                        }
                    }
                }
            }
        }
        return (unframed(labels, rows: rows, columns: columns), areas)
    }

    /// Marks the pixels of `open` (value 1) that connect to the image border
    /// through other open pixels: a fill from an open frame.
    static func reachableFromBorder(_ open: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        unframed(fillFromFrame(framed(open, rows: rows, columns: columns, frame: 1), columns: columns), rows: rows, columns: columns)
    }

    /// Foreground plus every background region not connected to the border.
    static func fillHoles(_ mask: [UInt8], rows: Int, columns: Int) -> [UInt8] {
        var outside = fillFromFrame(framed(mask, rows: rows, columns: columns, frame: 1, invert: true), columns: columns)
        outside.withUnsafeMutableBufferPointer { o in for i in 0..<o.count { o[i] ^= 1 } }
        return unframed(outside, rows: rows, columns: columns)
    }

    /// 1 where the fill from the frame's corner reaches through open (1) pixels.
    private static func fillFromFrame(_ open: [UInt8], columns: Int) -> [UInt8] {
        var reached = [UInt8](repeating: 0, count: open.count)
        open.withUnsafeBufferPointer { o in
            reached.withUnsafeMutableBufferPointer { r in
                withStack(o.count) { stack in
                    let w = columns + 2, last = o.count - 1
                    r[0] = 1
                    _ = flood(from: 0, width: w, stack: stack) { q in
                        // The frame's own outer edge has no neighbours beyond it.
                        guard q >= 0 && q <= last && o[q] == 1 && r[q] == 0 else { return false }
                        r[q] = 1
                        return true
                    }
                }
            }
        }
        return reached
    }

    /// Depth-first fill from `start` (already claimed): `claim(q)` says
    /// whether neighbour q joins (and marks it). Returns the pixels filled.
    @inline(__always)
    private static func flood(from start: Int, width w: Int, stack: UnsafeMutableBufferPointer<Int32>,
                              claim: (Int) -> Bool) -> Int {
        var top = 0, count = 0
        stack[top] = Int32(start); top += 1
        while top > 0 {
            top -= 1
            let p = Int(stack[top])
            count += 1
            if claim(p - 1) { stack[top] = Int32(p - 1); top += 1 }
            if claim(p + 1) { stack[top] = Int32(p + 1); top += 1 }
            if claim(p - w) { stack[top] = Int32(p - w); top += 1 }
            if claim(p + w) { stack[top] = Int32(p + w); top += 1 }
        }
        return count
    }

    private static func withStack<R>(_ capacity: Int, _ body: (UnsafeMutableBufferPointer<Int32>) -> R) -> R {
        let stack = UnsafeMutableBufferPointer<Int32>.allocate(capacity: capacity)
        defer { stack.deallocate() }
        return body(stack)
    }

    /// `mask` inside a one-pixel frame of `frame` ((rows+2) × (columns+2)),
    /// optionally with 0 and 1 swapped.
    private static func framed(_ mask: [UInt8], rows: Int, columns: Int, frame: UInt8, invert: Bool = false) -> [UInt8] {
        let w = columns + 2
        var out = [UInt8](repeating: frame, count: (rows + 2) * w)
        let flip: UInt8 = invert ? 1 : 0
        out.withUnsafeMutableBufferPointer { o in
            mask.withUnsafeBufferPointer { m in
                for y in 0..<rows {
                    let src = y * columns, dst = (y + 1) * w + 1
                    for x in 0..<columns { o[dst + x] = m[src + x] ^ flip }
                }
            }
        }
        return out
    }

    /// The image part of a framed buffer.
    private static func unframed<T>(_ framed: [T], rows: Int, columns: Int) -> [T] {
        let w = columns + 2
        return [T](unsafeUninitializedCapacity: rows * columns) { out, n in
            framed.withUnsafeBufferPointer { f in
                for y in 0..<rows {
                    let src = (y + 1) * w + 1
                    for x in 0..<columns { out[y * columns + x] = f[src + x] }
                }
            }
            n = rows * columns
        }
    }
}
