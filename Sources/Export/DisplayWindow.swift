import Imaging

/// How stored values become display grey levels: a named CT preset (HU), the
/// image's own window, or an explicit centre and width. Applied with the
/// DICOM linear VOI function (PS3.3 C.11.2.1.2.1), so a viewer showing the
/// same centre/width shows the same greys.
public enum DisplayWindow: Sendable, Equatable {
    case preset(CTPreset)
    /// CT: the header's first window, else mediastinum; X-ray and photographs:
    /// the 0.5th–99.5th percentiles of the frame.
    case auto
    case explicit(center: Double, width: Double)

    /// Standard CT windows in Hounsfield units.
    public enum CTPreset: String, Sendable, CaseIterable {
        case lung, mediastinum, bone, brain, abdomen

        public var center: Double {
            switch self {
            case .lung: return -600
            case .mediastinum: return 50
            case .bone: return 400
            case .brain: return 40
            case .abdomen: return 60
            }
        }

        public var width: Double {
            switch self {
            case .lung: return 1500
            case .mediastinum: return 350
            case .bone: return 1800
            case .brain: return 80
            case .abdomen: return 400
            }
        }
    }

    /// `lung|mediastinum|bone|brain|abdomen|auto|C,W`.
    public init?(argument: String) {
        if argument == "auto" { self = .auto; return }
        if let p = CTPreset(rawValue: argument) { self = .preset(p); return }
        let parts = argument.split(separator: ",")
        guard parts.count == 2, let c = Double(parts[0]), let w = Double(parts[1]), w >= 1 else { return nil }
        self = .explicit(center: c, width: w)
    }
}

/// A window resolved for one frame.
public struct ResolvedWindow: Sendable, Equatable {
    public var name: String
    public var center: Double
    public var width: Double
    /// MONOCHROME1: low values display white.
    public var inverted: Bool

    /// DICOM linear VOI to 0…255, then inversion for MONOCHROME1.
    @inline(__always) public func grey(_ x: Float) -> UInt8 {
        let c = center, w = width, v = Double(x)
        let y: Double
        if v <= c - 0.5 - (w - 1) / 2 { y = 0 }
        else if v > c - 0.5 + (w - 1) / 2 { y = 255 }
        else { y = ((v - (c - 0.5)) / (w - 1) + 0.5) * 255 }
        let g = UInt8(min(max(y.rounded(), 0), 255))
        return inverted ? 255 - g : g
    }
}

extension DisplayWindow {
    /// The window for this frame. Presets need Hounsfield units (CT).
    public func resolve(_ plane: ImagePlane, domain: ImageDomain, headerWindow: (center: Double, width: Double)?)
        throws(ExportError) -> ResolvedWindow {
        let invert = plane.monochrome1
        switch self {
        case .preset(let p):
            guard domain == .ct else { throw .windowNeedsCT(preset: p.rawValue, domain: domain.rawValue) }
            return ResolvedWindow(name: p.rawValue, center: p.center, width: p.width, inverted: invert)
        case .explicit(let c, let w):
            return ResolvedWindow(name: "custom", center: c, width: w, inverted: invert)
        case .auto:
            if domain == .ct {
                if let h = headerWindow, h.width >= 1 {
                    return ResolvedWindow(name: "header", center: h.center, width: h.width, inverted: invert)
                }
                let p = CTPreset.mediastinum
                return ResolvedWindow(name: p.rawValue, center: p.center, width: p.width, inverted: invert)
            }
            let range = IntensityWindow.percentiles(low: 0.5, high: 99.5).resolve(plane)
            let width = max(range.upperBound - range.lowerBound, 1)
            return ResolvedWindow(name: "auto", center: range.lowerBound + width / 2 + 0.5, width: width + 1, inverted: invert)
        }
    }
}
