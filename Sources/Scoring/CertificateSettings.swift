import Imaging

/// A profile's fail-safe criterion (`HomogeneityCertificate`): its
/// thresholds are per domain; its structure is the same for every anatomy.
public struct CertificateSettings: Sendable, Codable, Equatable {
    /// A difference of box means is real from this many standard deviations
    /// of its own noise (Rose: 5 for a human observer; lower keeps more).
    /// 2.5: the largest value at which every region suite's lesions stayed
    /// fine (3 and 3.5 each skipped small neck or brain lesions).
    public var zThreshold: Double
    /// …and visible from this fraction of the narrowest reading window
    /// holding it (for X-ray and photographs: of the display window).
    public var contrastFraction: Double
    /// Lesion radii tested, smallest lesion of interest up; radii above the
    /// largest token's half-side are not tested.
    public var radiiMM: [Double]
    /// From this radius on, the centre must stand apart from most of its 8
    /// neighbouring boxes (the same direction), not only from its ring.
    public var isotropicFromMM: Double
    /// CT reading windows per body region, [centre, width] in HU; the
    /// "unknown" entry (every window) serves regions without one. Absent
    /// (X-ray, photographs): the image's display window.
    public var windows: [String: [[Double]]]?
    /// Cells within this many cells of an uncertified one stay fine too.
    public var dilationCells: Int

    public init(zThreshold: Double, contrastFraction: Double, radiiMM: [Double], isotropicFromMM: Double,
                windows: [String: [[Double]]]?, dilationCells: Int) {
        self.zThreshold = zThreshold; self.contrastFraction = contrastFraction; self.radiiMM = radiiMM
        self.isotropicFromMM = isotropicFromMM; self.windows = windows; self.dilationCells = dilationCells
    }

    /// The radiologist's CT windows (centre, width) by region: brain 40/80,
    /// subdural 50/130, liver 60/160, soft tissue 40/400, lung −600/1500,
    /// bone 400/1800. A region reads in all the windows its organs need.
    public static let ctWindows: [String: [[Double]]] = [
        "head": [[40, 80], [50, 130], [40, 400], [400, 1800]],
        "neck": [[60, 160], [40, 400], [-600, 1500], [400, 1800]],
        "chest": [[60, 160], [40, 400], [-600, 1500], [400, 1800]],
        "abdomen": [[60, 160], [40, 400], [-600, 1500], [400, 1800]],
        "extremity": [[60, 160], [40, 400], [400, 1800]],
        "unknown": [[40, 80], [50, 130], [60, 160], [40, 400], [-600, 1500], [400, 1800]],
    ]

    public static func defaults(for domain: ImageDomain) -> CertificateSettings {
        // Lesions of 3–30 mm diameter, as clinical size criteria count them;
        // a larger mass is found by its rim, and each radius's footprint
        // (2r) carries the finding 30 mm into its interior.
        let radii = [1.5, 2.5, 4, 6, 9, 15]
        switch domain {
        case .ct:
            return CertificateSettings(zThreshold: 2.5, contrastFraction: 0.05, radiiMM: radii, isotropicFromMM: 5,
                                       windows: ctWindows, dilationCells: 1)
        case .xray:
            return CertificateSettings(zThreshold: 2.5, contrastFraction: 0.02, radiiMM: radii, isotropicFromMM: 5,
                                       windows: nil, dilationCells: 1)
        case .natural:
            // 2% as for radiographs: a radiograph exported as PNG or JPEG is read as a photograph.
            return CertificateSettings(zThreshold: 2.5, contrastFraction: 0.02, radiiMM: radii, isotropicFromMM: 5,
                                       windows: nil, dilationCells: 1)
        }
    }

    /// The reading windows for a region, as value ranges; nil means the
    /// image's display window.
    public func readingWindows(for region: BodyRegion) -> [ClosedRange<Double>]? {
        guard let windows else { return nil }
        guard let pairs = windows[region.rawValue] ?? windows["unknown"] else { return nil }
        return pairs.map { ($0[0] - $0[1] / 2)...($0[0] + $0[1] / 2) }
    }

    /// Radii in pixels at a spacing (mm/px), at least 1, without repeats,
    /// up to half the largest token's side.
    public func radiiPx(spacingMM: Double, largestTokenPx: Int) -> [Int] {
        var out: [Int] = []
        for mm in radiiMM.sorted() {
            let r = max(1, Int((mm / spacingMM).rounded()))
            guard r <= max(1, largestTokenPx / 2) else { break }
            if out.last != r { out.append(r) }
        }
        return out
    }
}

/// What a profile was calibrated on. Its thresholds mean nothing outside it.
public struct CalibratedDistribution: Sendable, Codable, Equatable {
    /// DICOM Modality values ("photograph" for PNG/JPEG input).
    public var modalities: [String]
    /// Body regions of the calibration images ("unknown" when images whose
    /// region cannot be told were among them).
    public var regions: [String]
    /// Pixel spacing seen, [min, max] mm.
    public var spacingMM: [Double]?
    /// Certificate noise σ seen at the analysis level, [min, max], in the plane's unit.
    public var noiseSigma: [Double]?

    public init(modalities: [String], regions: [String], spacingMM: [Double]?, noiseSigma: [Double]?) {
        self.modalities = modalities; self.regions = regions; self.spacingMM = spacingMM; self.noiseSigma = noiseSigma
    }
}

/// Why an image is, or is not, inside a profile's calibrated distribution.
public enum DistributionGuard {
    /// Reasons the image is outside; empty when inside. Spacing may be 50%
    /// beyond the calibrated range, noise up to twice its maximum (more
    /// noise hides lesions the calibration never had to find).
    public static func check(_ profile: Profile, modality: String?, isPhotograph: Bool, region: BodyRegion,
                             spacingMM: Double?, noiseSigma: Double?) -> [String] {
        guard let d = profile.distribution else {
            return ["profile '\(profile.name)' records no calibrated distribution"]
        }
        var reasons: [String] = []
        let kind = isPhotograph ? "photograph" : (modality?.uppercased() ?? "")
        if !d.modalities.contains(kind) {
            reasons.append(kind.isEmpty ? "no Modality in the header"
                           : "modality \(kind) is not among those profile '\(profile.name)' was calibrated on (\(d.modalities.joined(separator: ", ")))")
        }
        if d.regions.isEmpty {
            reasons.append("profile '\(profile.name)' certifies no body region: its validation found lesions its certificate would coarsen")
        } else if !d.regions.contains(region.rawValue) {
            reasons.append("body region \(region.rawValue) is not among those profile '\(profile.name)' was calibrated on (\(d.regions.joined(separator: ", ")))")
        }
        if let range = d.spacingMM, range.count == 2, let s = spacingMM, s < range[0] / 1.5 || s > range[1] * 1.5 {
            reasons.append("pixel spacing \(format(s)) mm is outside the calibrated \(format(range[0]))–\(format(range[1])) mm")
        }
        if let range = d.noiseSigma, range.count == 2, let n = noiseSigma, n > range[1] * 2 {
            reasons.append("image noise σ \(format(n)) is over twice the calibrated maximum \(format(range[1]))")
        }
        return reasons
    }

    static func format(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

extension Profile {
    /// The same profile with its homogeneity certificate switched off: the
    /// calibrated scorer alone, as a pipeline without the fail-safe would run
    /// it (the audit's foreign profiles; tests of the tiler's mechanics).
    public func withoutCertificate() -> Profile {
        var p = self
        var c = p.certificateSettings
        c.zThreshold = 1e9
        p.certificate = c
        return p
    }
}
