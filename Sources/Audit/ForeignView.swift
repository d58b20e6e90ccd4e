import Export
import Imaging
import Scoring

/// How a pipeline built for another domain sees an image. It gets what such
/// a pipeline is fed in practice: the image through its own display window
/// (CT: the header's window; radiographs: 0.5–99.5th percentiles with
/// MONOCHROME1 inverted; photographs: 0…255), then expressed in the unit the
/// profile expects (a fixed window's range, or as is for percentile
/// profiles). Pixel grid and spacing are unchanged, so ROIs still apply.
public enum ForeignView {
    public static func present(_ plane: ImagePlane, imageDomain: ImageDomain, headerWindow: (center: Double, width: Double)?,
                               profile: Profile) -> ImagePlane {
        guard profile.domain != imageDomain else { return plane }
        let display = displayRange(plane, domain: imageDomain, headerWindow: headerWindow)
        let v = IntensityWindow.normalize(plane, range: display)  // [0, 1], MONOCHROME1 inverted
        let values: [Float]
        switch profile.intensity {
        case .fixed(let lo, let hi):
            let a = Float(lo), b = Float(hi - lo)
            values = v.map { a + b * $0 }
        case .percentiles:
            values = v
        }
        return ImagePlane(rows: plane.rows, columns: plane.columns, values: values, spacingMM: plane.spacingMM)
    }

    /// What a display shows: photographs as they are (0…255); DICOM through
    /// the heatmap's auto window (CT: the header's, else mediastinum;
    /// radiographs: 0.5–99.5th percentiles), as the range the VOI maps to 0…1.
    static func displayRange(_ plane: ImagePlane, domain: ImageDomain, headerWindow: (center: Double, width: Double)?)
        -> ClosedRange<Double> {
        guard domain != .natural,
              let w = try? DisplayWindow.auto.resolve(plane, domain: domain, headerWindow: headerWindow) else { return 0...255 }
        return (w.center - 0.5 - (w.width - 1) / 2)...(w.center - 0.5 + (w.width - 1) / 2)
    }
}
