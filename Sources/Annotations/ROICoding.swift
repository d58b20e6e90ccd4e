/// JSON coding of ROIs exactly as the contract writes them.
extension ROI: Codable {
    enum Keys: String, CodingKey { case id, label, shape, x, y, w, h, cx, cy, r, points, bbox, pixels }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        id = try c.decode(String.self, forKey: .id)
        label = try c.decodeIfPresent(String.self, forKey: .label)
        switch try c.decode(String.self, forKey: .shape) {
        case "box":
            shape = .box(x: try c.decode(Int.self, forKey: .x), y: try c.decode(Int.self, forKey: .y),
                         w: try c.decode(Int.self, forKey: .w), h: try c.decode(Int.self, forKey: .h))
        case "circle":
            shape = .circle(cx: try c.decode(Double.self, forKey: .cx), cy: try c.decode(Double.self, forKey: .cy),
                            r: try c.decode(Double.self, forKey: .r))
        case "polygon":
            shape = .polygon(points: try c.decode([[Double]].self, forKey: .points))
        case "mask-rle":
            shape = .maskRLE(bbox: try c.decode([Int].self, forKey: .bbox), runs: try c.decode([Int].self, forKey: .pixels))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .shape, in: c, debugDescription: "unknown ROI shape '\(other)'")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try c.encodeIfPresent(label, forKey: .label)
        switch shape {
        case .box(let x, let y, let w, let h):
            try c.encode("box", forKey: .shape)
            try c.encode(x, forKey: .x); try c.encode(y, forKey: .y); try c.encode(w, forKey: .w); try c.encode(h, forKey: .h)
        case .circle(let cx, let cy, let r):
            try c.encode("circle", forKey: .shape)
            try c.encode(cx, forKey: .cx); try c.encode(cy, forKey: .cy); try c.encode(r, forKey: .r)
        case .polygon(let points):
            try c.encode("polygon", forKey: .shape)
            try c.encode(points, forKey: .points)
        case .maskRLE(let bbox, let runs):
            try c.encode("mask-rle", forKey: .shape)
            try c.encode(bbox, forKey: .bbox)
            try c.encode(runs, forKey: .pixels)
        }
    }
}
