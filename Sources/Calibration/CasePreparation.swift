import Annotations
import Foundation
import Imaging

/// A suite case ready to tokenize: its plane (lesions inserted) and ROIs.
public struct PreparedCase: Sendable {
    public var id: String
    public var split: Split
    public var source: ImageSourceInfo
    public var domain: ImageDomain
    public var plane: ImagePlane
    public var rois: [ROI]
    /// Inserted lesions, by ROI id.
    public var lesions: [String: LesionRecord]
}

public enum CasePreparation {
    public static func prepare(_ c: SuiteCase, suite: Suite, folder: String) throws -> PreparedCase {
        let imagePath = ROISources.resolve(c.image, folder)
        let frame = c.frame ?? 0
        let loader = try ImageLoader(path: imagePath)
        let source = loader.source(frame: frame)
        var plane = try loader.plane(frame: frame)
        var rois: [ROI] = []
        for ref in c.rois ?? [] {
            rois += try ROISources.load(ref, folder: folder, image: loader, frame: frame, plane: plane)
        }
        var records: [String: LesionRecord] = [:]
        if let lesions = c.lesions, !lesions.isEmpty {
            let spacing = plane.spacingMM?.mean ?? defaultSpacing(loader.domain)
            let inserted = LesionInserter.insert(lesions, into: plane, spacingMM: spacing,
                                                 field: try LesionPlanner.field(plane, domain: loader.domain))
            plane = inserted.plane
            rois += inserted.rois
            for r in inserted.records { records[r.id] = r }
        }
        return PreparedCase(id: c.id, split: c.split, source: source, domain: loader.domain, plane: plane,
                            rois: rois, lesions: records)
    }

    /// Pixel spacing assumed for images that do not state one (mm).
    public static func defaultSpacing(_ domain: ImageDomain) -> Double {
        switch domain { case .ct: return 0.7; case .xray: return 0.15; case .natural: return 0.25 }
    }
}
