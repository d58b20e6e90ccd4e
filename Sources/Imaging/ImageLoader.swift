import CImageIO
import DicomIO
import Foundation
import TesseraSupport

/// Opens DICOM files and photographs and yields one ImagePlane per frame.
public final class ImageLoader {
    public let path: String
    public let frames: Int
    public let samplesPerPixel: Int
    private let dicom: DicomImage?
    private let photo: ImagePlane?
    private let modality: String?
    private let sopInstanceUID: String?

    /// Photographs larger than this many pixels are refused.
    public static let maxPhotoPixels: UInt64 = 400_000_000

    /// XXH3-128 (hex) of a DICOM file opened with `hashingContent`, from
    /// the read that loaded it; nil otherwise.
    public var contentHash: String? { dicom?.contentHash }

    /// Photographs are told by their extension (PNG, JPEG); every other file is read as DICOM.
    public static func isPhotograph(path: String) -> Bool {
        let l = path.lowercased()
        return l.hasSuffix(".png") || l.hasSuffix(".jpg") || l.hasSuffix(".jpeg")
    }

    public init(path: String, options: DecodeOptions = .default, hashingContent: Bool = false) throws(ImagingError) {
        self.path = path
        if Self.isPhotograph(path: path) {
            let plane = try Self.readPhoto(path, png: path.lowercased().hasSuffix(".png"))
            photo = plane.plane
            samplesPerPixel = plane.channels
            dicom = nil
            frames = 1
            modality = nil
            sopInstanceUID = nil
            return
        }
        do {
            let image = try DicomImage(path: path, options: options, hashingContent: hashingContent)
            dicom = image
            frames = image.frames
            samplesPerPixel = image.format.samplesPerPixel
            modality = image.header.modality
            sopInstanceUID = image.header.sopInstanceUID
            photo = nil
        } catch {
            throw .dicom(error)
        }
    }

    public func source(frame: Int) -> ImageSourceInfo {
        let h = dicom?.header
        return ImageSourceInfo(path: path, sopInstanceUID: sopInstanceUID, frame: frame, modality: modality,
                               isPhotograph: photo != nil,
                               anatomy: AnatomyText(bodyPartExamined: h?.bodyPartExamined, studyDescription: h?.studyDescription,
                                                    seriesDescription: h?.seriesDescription, protocolName: h?.protocolName))
    }

    public var domain: ImageDomain { ImageDomain.infer(source(frame: 0), samplesPerPixel: samplesPerPixel) }

    public var dicomHeader: ImageHeader? { dicom?.header }

    /// The frame as modality values (DICOM) or luminance (photographs / colour).
    public func plane(frame: Int) throws(ImagingError) -> ImagePlane {
        if let photo { return photo }
        guard let dicom else { throw .unsupportedFile(path: path) }
        do {
            let values = try dicom.modalityFrame(frame)
            let h = dicom.header
            let spacing = h.pixelSpacing.map { PixelSpacing(row: $0[0], column: $0[1]) }
            let padding = h.pixelPaddingValue.map { Float(h.transform(frame: frame).apply(Int32(clamping: $0))) }
            return ImagePlane(rows: dicom.format.rows, columns: dicom.format.columns, values: values,
                              spacingMM: spacing, monochrome1: h.isMonochrome1,
                              paddingValue: dicom.format.samplesPerPixel == 1 ? padding : nil)
        } catch {
            throw .dicom(error)
        }
    }

    private static func readPhoto(_ path: String, png: Bool) throws(ImagingError) -> (plane: ImagePlane, channels: Int) {
        var image = timg_image()
        var err = [CChar](repeating: 0, count: 256)
        let status = png ? timg_read_png(path, maxPhotoPixels, &image, &err, err.count)
                         : timg_read_jpeg(path, maxPhotoPixels, &image, &err, err.count)
        guard status == 0, let pixels = image.pixels else {
            let message = cString(err)
            throw .unreadableImage(path: path, reason: message)
        }
        defer { timg_free(&image) }
        let count = Int(image.width) * Int(image.height)
        let channels = Int(image.channels)
        let values = [Float](unsafeUninitializedCapacity: count) { dst, n in
            if channels == 1 {
                for i in 0..<count { dst[i] = Float(pixels[i]) }
            } else {
                // Rec. 601 luma, as for colour DICOM.
                for i in 0..<count {
                    dst[i] = ColorConversion.luma(Float(pixels[3 * i]), Float(pixels[3 * i + 1]), Float(pixels[3 * i + 2]))
                }
            }
            n = count
        }
        return (ImagePlane(rows: Int(image.height), columns: Int(image.width), values: values), channels)
    }
}
