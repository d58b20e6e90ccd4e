extension ImageHeader {
    /// Reads the header of an open file. Missing optional attributes become
    /// nil. Malformed values that decide pixels or geometry (pixel format,
    /// frames, spacing, orientation, position, windows, LUTs) throw, so
    /// nothing is silently read as 0; a malformed Series or Instance Number,
    /// which only labels and orders, is read as absent.
    public init(file: DicomFile) throws(DicomError) {
        path = file.path
        transferSyntaxUID = file.transferSyntaxUID
        hasMetaHeader = file.hasMetaHeader
        sopClassUID = file.string(.sopClassUID)
        sopInstanceUID = file.string(.sopInstanceUID)
        studyInstanceUID = file.string(.studyInstanceUID)
        seriesInstanceUID = file.string(.seriesInstanceUID)
        frameOfReferenceUID = file.string(.frameOfReferenceUID)
        modality = file.string(.modality)
        seriesNumber = try? file.int(.seriesNumber)
        instanceNumber = try? file.int(.instanceNumber)
        seriesDescription = file.string(.seriesDescription)
        studyDescription = file.string(.studyDescription)
        bodyPartExamined = file.string(.bodyPartExamined)
        protocolName = file.string(.protocolName)
        pixel = try Self.readPixelFormat(file)
        frames = pixel == nil ? 0 : max(try file.int(.numberOfFrames) ?? 1, 1)
        gantryTilt = try file.double(.gantryDetectorTilt)
        windowCenter = try file.double(.windowCenter)
        windowWidth = try file.double(.windowWidth)
        pixelPaddingValue = try file.int(.pixelPaddingValue)
        rescaleType = file.string(.rescaleType)

        let groups = FunctionalGroups(file: file, frames: frames)
        var warnings: [String] = []
        // Real archives carry "0\0" spacings: fall through to the next source
        // and say so, rather than fail or divide by zero later.
        let spacingSources: [(String, () throws(DicomError) -> [Double]?)] = [
            ("PixelSpacing", { () throws(DicomError) in try groups.doubles(.pixelMeasures, .pixelSpacing, frame: 0) }),
            ("ImagerPixelSpacing", { () throws(DicomError) in try file.doubles(.imagerPixelSpacing) }),
        ]
        for (name, read) in spacingSources where pixelSpacing == nil {
            guard let s = try read() else { continue }
            if s.count == 2 && s.allSatisfy({ $0 > 0 }) {
                pixelSpacing = s
                pixelSpacingSource = name
            } else {
                warnings.append("\(name) '\(s.map { String($0) }.joined(separator: "\\"))' ignored (not two positive values)")
            }
        }
        imageOrientation = try groups.doubles(.planeOrientation, .imageOrientationPatient, frame: 0)
        sliceThickness = try groups.doubles(.pixelMeasures, .sliceThickness, frame: 0)?.first
        if let o = imageOrientation, o.count != 6 {
            throw .invalidAttribute(path: path, name: "ImageOrientationPatient", value: o.map { String($0) }.joined(separator: "\\"))
        }
        var positions: [[Double]?] = []
        var transforms: [ModalityTransform] = []
        let signed = pixel?.isSigned ?? false
        let lut = try Self.readModalityLUT(file, signed: signed)
        hasModalityLUTSequence = lut != nil
        for frame in 0..<(groups.perFrame ? frames : 1) {
            let p = try groups.doubles(.planePosition, .imagePositionPatient, frame: frame)
            if let p, p.count != 3 {
                throw .invalidAttribute(path: path, name: "ImagePositionPatient", value: p.map { String($0) }.joined(separator: "\\"))
            }
            positions.append(p)
            if let lut { transforms.append(.lut(lut)) } else {
                transforms.append(try Self.rescale(groups, frame: frame, path: path))
            }
        }
        framePositions = positions
        frameTransforms = transforms
        palette = pixel?.isPalette == true ? try Self.readPalette(file) : nil
        self.warnings = warnings
    }

    private static func readPixelFormat(_ file: DicomFile) throws(DicomError) -> PixelFormat? {
        guard let rows = try file.int(.rows), let columns = try file.int(.columns) else { return nil }
        let bitsAllocated = try file.requiredInt(.bitsAllocated)
        let format = PixelFormat(
            rows: rows, columns: columns,
            samplesPerPixel: try file.int(.samplesPerPixel) ?? 1,
            bitsAllocated: bitsAllocated,
            bitsStored: try file.int(.bitsStored) ?? bitsAllocated,
            isSigned: (try file.int(.pixelRepresentation) ?? 0) == 1,
            planarConfiguration: try file.int(.planarConfiguration) ?? 0,
            photometricInterpretation: file.string(.photometricInterpretation) ?? "MONOCHROME2")
        guard rows > 0, columns > 0 else {
            throw .invalidAttribute(path: file.path, name: "Rows/Columns", value: "\(rows)x\(columns)")
        }
        guard [1, 8, 16, 32].contains(bitsAllocated), (1...bitsAllocated).contains(format.bitsStored) else {
            throw .unsupportedPixelFormat(path: file.path,
                reason: "BitsAllocated \(bitsAllocated), BitsStored \(format.bitsStored)")
        }
        guard format.samplesPerPixel == 1 || format.samplesPerPixel == 3 else {
            throw .unsupportedPixelFormat(path: file.path, reason: "SamplesPerPixel \(format.samplesPerPixel)")
        }
        return format
    }

    /// Rescale Slope/Intercept from the frame's functional groups, else the
    /// top level. A slope of 0 is malformed, not "multiply by zero".
    private static func rescale(_ groups: FunctionalGroups, frame: Int, path: String) throws(DicomError) -> ModalityTransform {
        let slope = try groups.doubles(.pixelValueTransformation, .rescaleSlope, frame: frame)?.first
        let intercept = try groups.doubles(.pixelValueTransformation, .rescaleIntercept, frame: frame)?.first
        if slope == nil && intercept == nil { return .identity }
        if slope == 0 { throw .invalidAttribute(path: path, name: "RescaleSlope", value: "0") }
        return .rescale(slope: slope ?? 1, intercept: intercept ?? 0)
    }

    private static func readModalityLUT(_ file: DicomFile, signed: Bool) throws(DicomError) -> ModalityLUT? {
        guard file.itemCount(.modalityLUTSequence) > 0 else { return nil }
        let descriptorPath = TagPath.modalityLUTSequence.item(0, .lutDescriptor)
        guard let d = try file.doubles(descriptorPath), d.count == 3 else {
            throw .missingAttribute(path: file.path, name: descriptorPath.name)
        }
        let entries = d[0] == 0 ? 65536 : Int(d[0])
        var first = Int(d[1])
        if signed && first > 32767 { first -= 65536 }  // US-encoded descriptor of signed data
        guard let data = file.uint16Array(TagPath.modalityLUTSequence.item(0, .lutData)), data.count >= entries else {
            throw .missingAttribute(path: file.path, name: "ModalityLUTSequence[0].LUTData")
        }
        return ModalityLUT(firstMapped: first, bitsPerEntry: Int(d[2]), data: Array(data.prefix(entries)))
    }

    private static func readPalette(_ file: DicomFile) throws(DicomError) -> PaletteLUT {
        let channels: [(TagPath, TagPath)] = [(.redPaletteDescriptor, .redPaletteData),
                                              (.greenPaletteDescriptor, .greenPaletteData),
                                              (.bluePaletteDescriptor, .bluePaletteData)]
        var tables: [[UInt8]] = []
        var first = 0
        for (descriptorPath, dataPath) in channels {
            guard let d = try file.doubles(descriptorPath), d.count == 3 else {
                throw .missingAttribute(path: file.path, name: descriptorPath.name)
            }
            let entries = d[0] == 0 ? 65536 : Int(d[0])
            first = Int(d[1])
            guard let words = file.uint16Array(dataPath) else {
                throw .missingAttribute(path: file.path, name: dataPath.name)
            }
            // 8-bit tables are packed two entries per 16-bit word.
            if d[2] == 8 && words.count * 2 >= entries {
                tables.append((0..<entries).map { i in UInt8(truncatingIfNeeded: words[i / 2] >> (i % 2 == 0 ? 0 : 8)) })
            } else if words.count >= entries {
                tables.append(words.prefix(entries).map { UInt8($0 >> 8) })
            } else {
                throw .invalidAttribute(path: file.path, name: dataPath.name, value: "\(words.count) entries, descriptor says \(entries)")
            }
        }
        return PaletteLUT(firstMapped: first, red: tables[0], green: tables[1], blue: tables[2])
    }
}

/// Looks an attribute up in the per-frame functional group, then the shared
/// group, then the top level of the dataset (PS3.3 C.7.6.16).
struct FunctionalGroups {
    let file: DicomFile
    let perFrame: Bool
    let shared: Bool

    init(file: DicomFile, frames: Int) {
        self.file = file
        perFrame = file.itemCount(.perFrameFunctionalGroups) >= frames && frames > 0
        shared = file.itemCount(.sharedFunctionalGroups) > 0
    }

    func doubles(_ macro: TagPath, _ attribute: TagPath, frame: Int) throws(DicomError) -> [Double]? {
        if perFrame, let v = try file.doubles(TagPath.perFrameFunctionalGroups.item(frame, macro.item(0, attribute))) {
            return v
        }
        if shared, let v = try file.doubles(TagPath.sharedFunctionalGroups.item(0, macro.item(0, attribute))) {
            return v
        }
        return try file.doubles(attribute)
    }
}
