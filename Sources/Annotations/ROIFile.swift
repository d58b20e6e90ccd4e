import CImageIO
import Foundation
import TesseraSupport

/// Reads `tessera.rois/1` files (their Codable form is in ROICoding.swift) and PNG label masks.
public enum ROIFile {
    public static func read(path: String) throws -> ROISet {
        do {
            let set = try JSONDecoder().decode(ROISet.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            guard set.schema == ROISet.schemaID else {
                throw ROISourceError.unreadable(path: path, reason: "schema '\(set.schema)', expected \(ROISet.schemaID)")
            }
            return set
        } catch let e as ROISourceError {
            throw e
        } catch {
            throw ROISourceError.unreadable(path: path, reason: describeError(error))
        }
    }

    /// A PNG mask: every distinct non-zero grey value is one ROI.
    public static func readPNGMask(path: String) throws -> [ROI] {
        var image = timg_image()
        var err = [CChar](repeating: 0, count: 256)
        guard timg_read_png(path, 400_000_000, &image, &err, err.count) == 0, let pixels = image.pixels else {
            throw ROISourceError.unreadable(path: path, reason: cString(err))
        }
        defer { timg_free(&image) }
        let columns = Int(image.width), count = Int(image.width) * Int(image.height), channels = Int(image.channels)
        var byLabel: [UInt8: [Int]] = [:]
        for i in 0..<count {
            let v = pixels[i * channels]
            if v != 0 { byLabel[v, default: []].append(i) }
        }
        return byLabel.keys.sorted().map { ROI.fromPixels(id: "label\($0)", label: nil, pixels: byLabel[$0]!, columns: columns) }
    }
}
