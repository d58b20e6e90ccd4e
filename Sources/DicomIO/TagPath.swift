/// A DCMTK attribute path with a human-readable name for error messages,
/// e.g. `(5200,9230)[3].(0028,9145)[0].(0028,1053)`.
public struct TagPath: Sendable, Hashable {
    public let rawValue: String
    public let name: String

    public init(_ group: UInt16, _ element: UInt16, _ name: String) {
        rawValue = String(format: "(%04x,%04x)", group, element)
        self.name = name
    }

    init(rawValue: String, name: String) {
        self.rawValue = rawValue
        self.name = name
    }

    /// The attribute `child` inside item `index` of this sequence.
    public func item(_ index: Int, _ child: TagPath) -> TagPath {
        TagPath(rawValue: "\(rawValue)[\(index)].\(child.rawValue)", name: "\(name)[\(index)].\(child.name)")
    }
}

import Foundation

extension TagPath {
    // Identification
    public static let sopClassUID = TagPath(0x0008, 0x0016, "SOPClassUID")
    public static let sopInstanceUID = TagPath(0x0008, 0x0018, "SOPInstanceUID")
    public static let modality = TagPath(0x0008, 0x0060, "Modality")
    public static let studyDescription = TagPath(0x0008, 0x1030, "StudyDescription")
    public static let seriesDescription = TagPath(0x0008, 0x103E, "SeriesDescription")
    public static let bodyPartExamined = TagPath(0x0018, 0x0015, "BodyPartExamined")
    public static let protocolName = TagPath(0x0018, 0x1030, "ProtocolName")
    public static let studyInstanceUID = TagPath(0x0020, 0x000D, "StudyInstanceUID")
    public static let seriesInstanceUID = TagPath(0x0020, 0x000E, "SeriesInstanceUID")
    public static let seriesNumber = TagPath(0x0020, 0x0011, "SeriesNumber")
    public static let instanceNumber = TagPath(0x0020, 0x0013, "InstanceNumber")
    public static let frameOfReferenceUID = TagPath(0x0020, 0x0052, "FrameOfReferenceUID")
    // Geometry
    public static let imagePositionPatient = TagPath(0x0020, 0x0032, "ImagePositionPatient")
    public static let imageOrientationPatient = TagPath(0x0020, 0x0037, "ImageOrientationPatient")
    public static let sliceThickness = TagPath(0x0018, 0x0050, "SliceThickness")
    public static let gantryDetectorTilt = TagPath(0x0018, 0x1120, "GantryDetectorTilt")
    public static let pixelSpacing = TagPath(0x0028, 0x0030, "PixelSpacing")
    public static let imagerPixelSpacing = TagPath(0x0018, 0x1164, "ImagerPixelSpacing")
    // Image pixel module
    public static let samplesPerPixel = TagPath(0x0028, 0x0002, "SamplesPerPixel")
    public static let photometricInterpretation = TagPath(0x0028, 0x0004, "PhotometricInterpretation")
    public static let planarConfiguration = TagPath(0x0028, 0x0006, "PlanarConfiguration")
    public static let numberOfFrames = TagPath(0x0028, 0x0008, "NumberOfFrames")
    public static let rows = TagPath(0x0028, 0x0010, "Rows")
    public static let columns = TagPath(0x0028, 0x0011, "Columns")
    public static let bitsAllocated = TagPath(0x0028, 0x0100, "BitsAllocated")
    public static let bitsStored = TagPath(0x0028, 0x0101, "BitsStored")
    public static let highBit = TagPath(0x0028, 0x0102, "HighBit")
    public static let pixelRepresentation = TagPath(0x0028, 0x0103, "PixelRepresentation")
    public static let pixelPaddingValue = TagPath(0x0028, 0x0120, "PixelPaddingValue")
    public static let windowCenter = TagPath(0x0028, 0x1050, "WindowCenter")
    public static let windowWidth = TagPath(0x0028, 0x1051, "WindowWidth")
    // Modality transform
    public static let rescaleIntercept = TagPath(0x0028, 0x1052, "RescaleIntercept")
    public static let rescaleSlope = TagPath(0x0028, 0x1053, "RescaleSlope")
    public static let rescaleType = TagPath(0x0028, 0x1054, "RescaleType")
    public static let modalityLUTSequence = TagPath(0x0028, 0x3000, "ModalityLUTSequence")
    public static let lutDescriptor = TagPath(0x0028, 0x3002, "LUTDescriptor")
    public static let lutData = TagPath(0x0028, 0x3006, "LUTData")
    // Palette colour
    public static let redPaletteDescriptor = TagPath(0x0028, 0x1101, "RedPaletteColorLookupTableDescriptor")
    public static let greenPaletteDescriptor = TagPath(0x0028, 0x1102, "GreenPaletteColorLookupTableDescriptor")
    public static let bluePaletteDescriptor = TagPath(0x0028, 0x1103, "BluePaletteColorLookupTableDescriptor")
    public static let redPaletteData = TagPath(0x0028, 0x1201, "RedPaletteColorLookupTableData")
    public static let greenPaletteData = TagPath(0x0028, 0x1202, "GreenPaletteColorLookupTableData")
    public static let bluePaletteData = TagPath(0x0028, 0x1203, "BluePaletteColorLookupTableData")
    // Enhanced multi-frame functional groups
    public static let sharedFunctionalGroups = TagPath(0x5200, 0x9229, "SharedFunctionalGroupsSequence")
    public static let perFrameFunctionalGroups = TagPath(0x5200, 0x9230, "PerFrameFunctionalGroupsSequence")
    public static let pixelValueTransformation = TagPath(0x0028, 0x9145, "PixelValueTransformationSequence")
    public static let planePosition = TagPath(0x0020, 0x9113, "PlanePositionSequence")
    public static let planeOrientation = TagPath(0x0020, 0x9116, "PlaneOrientationSequence")
    public static let pixelMeasures = TagPath(0x0028, 0x9110, "PixelMeasuresSequence")
    public static let derivationImage = TagPath(0x0008, 0x9124, "DerivationImageSequence")
}
