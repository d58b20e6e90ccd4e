/// What Tessera needs to know about one DICOM object, read once from its
/// header. Plain values: safe to send between tasks.
public struct ImageHeader: Sendable {
    public var path: String
    public var transferSyntaxUID: String
    public var hasMetaHeader: Bool
    public var sopClassUID: String?
    public var sopInstanceUID: String?
    public var studyInstanceUID: String?
    public var seriesInstanceUID: String?
    public var frameOfReferenceUID: String?
    public var modality: String?
    public var seriesNumber: Int?
    public var instanceNumber: Int?
    public var seriesDescription: String?
    /// Where the body region comes from when the header says it (the
    /// tokenizer's region-aware reading windows and its calibration check).
    public var studyDescription: String?
    public var bodyPartExamined: String?
    public var protocolName: String?

    /// nil when the object has no Image Pixel module (RTSTRUCT, SR…).
    public var pixel: PixelFormat?
    public var frames: Int

    /// Row spacing, column spacing in mm, and which attribute gave them.
    public var pixelSpacing: [Double]?
    public var pixelSpacingSource: String?
    public var imageOrientation: [Double]?
    /// Image Position (Patient) per frame (one entry for single-frame objects).
    public var framePositions: [[Double]?]
    /// Modality transform per frame (enhanced objects may differ per frame).
    public var frameTransforms: [ModalityTransform]
    public var hasModalityLUTSequence: Bool
    public var rescaleType: String?
    public var pixelPaddingValue: Int?
    public var sliceThickness: Double?
    public var gantryTilt: Double?
    public var windowCenter: Double?
    public var windowWidth: Double?
    public var palette: PaletteLUT?
    /// Header problems that were worked around (each says how).
    public var warnings: [String]

    public var isMonochrome1: Bool { pixel?.photometricInterpretation == "MONOCHROME1" }

    /// The header's first VOI window, when it has both centre and width.
    public var voiWindow: (center: Double, width: Double)? {
        guard let c = windowCenter, let w = windowWidth else { return nil }
        return (c, w)
    }

    public func transform(frame: Int) -> ModalityTransform {
        frameTransforms.isEmpty ? .identity : frameTransforms[min(frame, frameTransforms.count - 1)]
    }

    public func position(frame: Int) -> [Double]? {
        framePositions.isEmpty ? nil : framePositions[min(frame, framePositions.count - 1)]
    }
}

/// Red, green and blue palette tables mapped to 8-bit output.
public struct PaletteLUT: Sendable, Equatable {
    public let firstMapped: Int
    public let red: [UInt8]
    public let green: [UInt8]
    public let blue: [UInt8]

    @inline(__always)
    public func rgb(_ index: Int32) -> (UInt8, UInt8, UInt8) {
        let i = min(max(Int(index) - firstMapped, 0), red.count - 1)
        return (red[i], green[i], blue[i])
    }
}
