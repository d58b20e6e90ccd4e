import Annotations
import ArgumentParser
import Calibration
import DicomIO
import FileOutput
import Foundation
import Imaging
import TesseraSupport

struct PhantomCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phantom",
        abstract: "Add cases with synthetic lesions (known ground truth) on real images to a suite.",
        discussion: """
            For each image, plans --per-image lesions: round, lobulated, spiculated and \
            ground-glass, 3–30 mm (pixel-spacing aware), inside the anatomy only, with the \
            contrast set from the local noise so the contrast-to-noise ratio runs from subtle \
            (3) to obvious (15). Lesions are stored as specs in suite.json and inserted when \
            the suite runs, so the suite is small, exact and reproducible (--seed). Cases are \
            split into calibration and test by a stable hash of their id.

              tessera phantom --suite Validation/ct/suite.json --domain ct --per-image 2 --lung \\
                  ../shared/data/ct/lidc-idri-0001/dicom
              tessera phantom --suite Validation/ct/suite.json --domain ct --per-image 0 \\
                  --rois lidc:../shared/data/ct/lidc-idri-0001/069.xml SampleStudies/ct/lidc-idri-0001
            """
    )

    @Option(help: "Suite file to extend (created when missing).")
    var suite: String

    @Option(help: "Suite domain when the file is created.")
    var domain: ImageDomain

    @Option(help: "Lesions per image.")
    var perImage = 2

    @Option(help: "Seed for placement, sizes, shapes and contrasts.")
    var seed: UInt64 = 1

    @Flag(help: "CT: place lesions only in aerated lung (pulmonary nodules).")
    var lung = false

    @Flag(help: ArgumentHelp("Place lesions against a tissue border (heart border, chest wall, organ edge, rib).",
                             discussion: "The lesion's rim crosses a border of at least 150 HU (CT) or a fifth of the image's range (radiographs)."))
    var againstBorder = false

    @Option(help: ArgumentHelp("CT: lesion contrast range in HU, as LO:HI (magnitudes; either polarity at random).",
                               discussion: "Realistic low contrasts: brain 8:30, liver 15:60. Default: from the local noise (CNR 5–20)."))
    var contrastHU: String?

    @Option(help: ArgumentHelp("Lesion shapes, comma-separated: round, lobulated, spiculated, groundGlass, calcificationCluster.",
                               discussion: "Placement cycles through them. calcificationCluster: 5–15 dense specks of 0.2–0.6 mm in a 3–15 mm cluster (mammography)."))
    var shapes = LesionShape.masses.map(\.rawValue).joined(separator: ",")

    @Option(help: ArgumentHelp("Radiographs: lesion contrast as a share of the image's 1st–99th percentile range, LO:HI.",
                               discussion: "Subtle mammographic masses 0.02:0.06, calcifications 0.04:0.15. Default: from the local noise (CNR 5–20)."))
    var contrastFraction: String?

    @Option(help: "Use every Nth image of a folder (series are highly redundant).")
    var every = 1

    @Option(help: "Annotation for every image, as KIND:PATH (json, lidc, rtstruct, seg, png).")
    var rois: [String] = []

    @Flag(help: "Only images that carry annotations from --rois (e.g. the LIDC contour slices).")
    var annotatedOnly = false

    @Option(help: "Share of cases in the test split.")
    var testFraction = 0.5

    @Argument(help: "Images or folders.")
    var inputs: [String]

    func run() async throws {
        let d = domain
        let contrastRange = try contrastHU.map { try Self.range($0, option: "--contrast-hu", example: "8:30") }
        let fractionRange = try contrastFraction.map { try Self.range($0, option: "--contrast-fraction", example: "0.02:0.06") }
        let shapeList = try shapes.split(separator: ",").map { name -> LesionShape in
            guard let shape = LesionShape(rawValue: String(name)) else {
                throw ValidationError("--shapes: unknown shape '\(name)' (one of \(LesionShape.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return shape
        }
        guard !shapeList.isEmpty else { throw ValidationError("--shapes needs at least one shape") }
        let folder = (suite as NSString).deletingLastPathComponent
        var s = FileManager.default.fileExists(atPath: suite)
            ? try Suite.load(suite).suite : Suite(name: (folder as NSString).lastPathComponent, domain: d.rawValue, description: nil, cases: [])
        let refs = try rois.map { spec -> ROISourceRef in
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = ROISourceRef.Kind(rawValue: parts[0]) else {
                throw ValidationError("--rois takes KIND:PATH, KIND one of json, lidc, rtstruct, seg, png")
            }
            return ROISourceRef(kind: kind, path: relativePath(from: folder, to: parts[1]))
        }
        let files = inputs.flatMap { FileScanner.files(under: $0) }.filter {
            $0.lowercased().hasSuffix(".dcm") || ImageLoader.isPhotograph(path: $0)
        }
        var added = 0
        for (i, path) in files.enumerated() where i % max(every, 1) == 0 {
            guard let loader = try? ImageLoader(path: path) else { continue }
            let id = "\(s.name)-\(((path as NSString).deletingPathExtension as NSString).lastPathComponent)-s\(seed)"
            guard !s.cases.contains(where: { $0.id == id }) else { continue }
            var c = SuiteCase(id: id, image: relativePath(from: folder, to: path), frame: 0,
                              split: stableHash(id) % 1000 < UInt64(testFraction * 1000) ? .test : .calibration,
                              rois: refs.isEmpty ? nil : refs, lesions: nil)
            if annotatedOnly {
                let prepared = try CasePreparation.prepare(c, suite: s, folder: folder)
                guard !prepared.rois.isEmpty else { continue }
            }
            if perImage > 0 {
                let plane = try loader.plane(frame: 0)
                c.lesions = try LesionPlanner.plan(plane, domain: d, count: perImage, seed: seed &+ stableHash(id),
                                                   idPrefix: "lesion", lungOnly: lung, contrastHU: contrastRange,
                                                   contrastFraction: fractionRange,
                                                   againstBorder: againstBorder, shapes: shapeList)
            }
            s.cases.append(c)
            added += 1
        }
        try AtomicWrite.write(Array((try encodeJSON(s) + "\n").utf8), to: suite)
        print("\(added) case(s) added to \(suite) (\(s.cases.count) in all)")
    }
}

extension PhantomCommand {
    /// LO:HI with 0 < LO ≤ HI.
    static func range(_ text: String, option: String, example: String) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 2, parts[0] > 0, parts[0] <= parts[1] else {
            throw ValidationError("\(option) takes LO:HI with 0 < LO ≤ HI, e.g. \(example) (got '\(text)')")
        }
        return parts[0]...parts[1]
    }
}

/// `to` relative to the folder `from` (both made absolute first).
func relativePath(from folder: String, to path: String) -> String {
    let cwd = FileManager.default.currentDirectoryPath
    func parts(_ p: String) -> [String] {
        let absolute = p.hasPrefix("/") ? p : cwd + "/" + p
        var out: [String] = []
        for c in absolute.split(separator: "/") {
            if c == "." { continue }
            if c == ".." { if !out.isEmpty { out.removeLast() } } else { out.append(String(c)) }
        }
        return out
    }
    let a = parts(folder), b = parts(path)
    var common = 0
    while common < a.count && common < b.count && a[common] == b[common] { common += 1 }
    return (Array(repeating: "..", count: a.count - common) + b[common...]).joined(separator: "/")
}
