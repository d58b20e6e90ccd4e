import CImageIO
import Foundation
import TesseraSupport
import TestSupport

enum TestData {
    static let repo = Reference.repo
    static let samples = Reference.samples
    static let shared = Reference.data
    static let lidcSlice = samples + "/ct/lidc-idri-0001/000071.dcm"
    static let lidcXML = samples + "/ct/lidc-idri-0001/069.xml"

    static func scratch() throws -> URL { try Reference.scratch("export") }

    /// A PNG read back with libpng: width, height, channels, pixels.
    static func readPNG(_ path: String) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        var image = timg_image()
        var err = [CChar](repeating: 0, count: 256)
        guard timg_read_png(path, 100_000_000, &image, &err, err.count) == 0, let p = image.pixels else {
            throw CocoaError(.fileReadCorruptFile)
        }
        defer { timg_free(&image) }
        let n = Int(image.width) * Int(image.height) * Int(image.channels)
        return (Int(image.width), Int(image.height), Int(image.channels), Array(UnsafeBufferPointer(start: p, count: n)))
    }

    /// Runs a program; returns exit status and combined output.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram(executable, arguments)
    }
}
