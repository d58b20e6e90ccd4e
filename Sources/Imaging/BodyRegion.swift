import Foundation

/// What a DICOM header says about the anatomy: free text and a coded term
/// that vendors fill in differently, read together.
public struct AnatomyText: Sendable, Equatable {
    public var bodyPartExamined: String?
    public var studyDescription: String?
    public var seriesDescription: String?
    public var protocolName: String?

    public init(bodyPartExamined: String? = nil, studyDescription: String? = nil,
                seriesDescription: String? = nil, protocolName: String? = nil) {
        self.bodyPartExamined = bodyPartExamined
        self.studyDescription = studyDescription
        self.seriesDescription = seriesDescription
        self.protocolName = protocolName
    }

    /// (attribute name, value) for every attribute present, most specific first.
    var fields: [(String, String)] {
        [("BodyPartExamined", bodyPartExamined), ("ProtocolName", protocolName),
         ("SeriesDescription", seriesDescription), ("StudyDescription", studyDescription)]
            .compactMap { name, value in value.map { (name, $0) } }
    }
}

/// The body region an image shows: it chooses the reading windows the
/// homogeneity certificate must hold in, and is checked against the regions
/// a profile was calibrated on.
public enum BodyRegion: String, Sendable, Codable, CaseIterable {
    case head, neck, chest, abdomen, extremity, breast, unknown

    /// The region and why: the header first (coded term, then descriptions),
    /// then, for CT, what the image shows (lung fields, a skull ring).
    /// `mask` (1 = body, same size as `plane`) restricts the image findings
    /// to the patient: the table, a head rest or foam are not lung.
    public static func detect(_ source: ImageSourceInfo, plane: ImagePlane, mask: [UInt8]? = nil,
                              domain: ImageDomain) -> (region: BodyRegion, reason: String) {
        if source.modality?.uppercased() == "MG" { return (.breast, "Modality MG") }
        for (name, value) in source.anatomy.fields {
            if let region = fromText(value) { return (region, "\(name) '\(value.trimmingCharacters(in: .whitespaces))'") }
        }
        if domain == .ct, let found = fromCTImage(plane, mask: mask) { return found }
        return (.unknown, "header names no body region" + (domain == .ct ? " and the image shows no lung fields or skull" : ""))
    }

    /// Keywords by region, matched as whole words of the upper-cased text.
    /// Order matters: "HEAD NECK" is neck, "CHEST ABDOMEN PELVIS" is unknown
    /// (several regions: every window applies).
    static let keywords: [(BodyRegion, [String])] = [
        (.breast, ["BREAST", "MAMMO", "MAMMOGRAM", "MAMMOGRAPHY", "MAMMOGRAPHIE", "TOMOSYNTHESIS"]),
        (.neck, ["NECK", "CSPINE", "C-SPINE", "LARYNX", "THYROID", "PHARYNX", "CERVICAL", "HALS"]),
        (.head, ["HEAD", "BRAIN", "SKULL", "CRANIUM", "CEREBRAL", "ORBIT", "ORBITS", "SINUS", "SINUSES", "IAC", "KOPF", "SCHAEDEL", "HEAD NECK"]),
        (.chest, ["CHEST", "THORAX", "LUNG", "LUNGS", "PULMONARY", "THORACIC", "TSPINE", "RIBS", "HEART", "CARDIAC", "CORONARY", "PE", "CTPA", "THORAX/ABDOMEN"]),
        (.abdomen, ["ABDOMEN", "ABD", "PELVIS", "PELVIC", "LIVER", "KIDNEY", "KIDNEYS", "RENAL", "PANCREAS", "PANCREATIC", "BOWEL", "COLON", "COLONOGRAPHY", "LSPINE", "LUMBAR", "ADRENAL", "UROGRAM", "HIP", "SACRUM", "BLADDER", "ABDO"]),
        (.extremity, ["EXTREMITY", "EXTREMITIES", "ARM", "LEG", "KNEE", "ANKLE", "FOOT", "FEET", "HAND", "HANDS", "WRIST", "ELBOW", "SHOULDER", "FEMUR", "TIBIA", "FIBULA", "HUMERUS", "RADIUS", "ULNA", "THIGH", "CALF", "FOREARM", "FINGER", "TOE", "LOWER LIMB", "UPPER LIMB", "LOWEXM", "UPPEXM"]),
    ]

    /// The single region the text names, or nil (none, or several).
    public static func fromText(_ text: String) -> BodyRegion? {
        let upper = text.uppercased()
        let words = Set(upper.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "-" && $0 != "/" }).map(String.init))
        var found: [BodyRegion] = []
        for (region, terms) in keywords where terms.contains(where: { term in
            term.contains(" ") ? upper.contains(term) : words.contains(term)
        }) {
            found.append(region)
        }
        // "HEAD NECK" / "HEAD AND NECK" is the neck protocol.
        if found == [.neck, .head] { return .neck }
        return found.count == 1 ? found[0] : nil
    }

    /// CT only (HU): aerated lung over 15% of the body means chest; bone in
    /// at least 6 of 8 sectors around the body's centre of a body under
    /// 260 mm across means a skull ring (head). Anything else stays unknown.
    static func fromCTImage(_ plane: ImagePlane, mask: [UInt8]?) -> (BodyRegion, String)? {
        var lung = 0, tissue = 0, sumX = 0.0, sumY = 0.0
        var minX = Int.max, maxX = Int.min
        let step = max(1, min(plane.rows, plane.columns) / 256)
        for y in stride(from: 0, to: plane.rows, by: step) {
            for x in stride(from: 0, to: plane.columns, by: step) where mask?[y * plane.columns + x] ?? 1 != 0 {
                let v = plane[y, x]
                if v > -950 && v < -500 { lung += 1 }
                if v > -200 {
                    tissue += 1; sumX += Double(x); sumY += Double(y)
                    minX = min(minX, x); maxX = max(maxX, x)
                }
            }
        }
        guard tissue > 100 else { return nil }
        let lungShare = Double(lung) / Double(lung + tissue)
        if lungShare > 0.15 {
            return (.chest, "image: aerated lung is \(Int((lungShare * 100).rounded()))% of the body (lung fields)")
        }
        let width = Double(maxX - minX) * (plane.spacingMM?.column ?? 0.7)
        guard width < 260, lungShare < 0.10 else { return nil }  // sinuses and mastoids hold some air
        let cx = sumX / Double(tissue), cy = sumY / Double(tissue)
        var sectors = [Bool](repeating: false, count: 8)
        for y in stride(from: 0, to: plane.rows, by: step) {
            for x in stride(from: 0, to: plane.columns, by: step) where plane[y, x] > 500 && mask?[y * plane.columns + x] ?? 1 != 0 {
                let angle = atan2(Double(y) - cy, Double(x) - cx) + .pi
                sectors[min(7, Int(angle / (2 * .pi) * 8))] = true
            }
        }
        let boneSectors = sectors.filter { $0 }.count
        return boneSectors >= 6 ? (.head, "image: bone around the body in \(boneSectors) of 8 directions (skull ring)") : nil
    }
}
