import ArgumentParser
import DicomIO
import Foundation
import TesseraSupport

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a DICOM file, or the studies and series in a folder.",
        discussion: """
            For a file: header summary (size, frames, transfer syntax, photometric \
            interpretation, spacing, modality transform) and pixel statistics of stored and \
            modality values (Hounsfield units for CT), computed frame by frame.
            For a folder (searched recursively): every study and series, slices ordered along \
            the slice normal from Image Position/Orientation (Patient), with duplicates, gaps, \
            uneven spacing, gantry tilt and mixed sizes reported.

            Examples:
              tessera info SampleStudies/ct/000060.dcm
              tessera info --json --checksum scan.dcm      # digest comparable with pydicom
              tessera info SampleStudies/                  # series assembly
            """
    )

    @Argument(help: "A DICOM file or a folder of DICOM files.")
    var path: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Add the SHA-256 of all stored values (little-endian Int32, frame by frame, row-major).")
    var checksum = false

    @Option(name: .customLong("max-pixel-mib"), help: "Refuse objects whose decoded pixels (Int32 per sample, all frames) exceed this many MiB.")
    var maxPixelMiB: UInt64 = 2048

    @Option(help: "Seconds one JPEG 2000 frame may take to decode before it is abandoned.")
    var j2kTimeLimit: Double = 10

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DicomError.fileNotFound(path: path)
        }
        if isDirectory.boolValue {
            let report = await SeriesAssembly.assemble(root: path)
            guard !report.series.isEmpty || !report.failures.isEmpty || !report.nonImageObjects.isEmpty else {
                throw ValidationError("no DICOM files in \(path) (searched recursively; \(report.skipped.count) other file(s) skipped)")
            }
            print(json ? try encodeJSON(FolderInfo(report)) : FolderInfo.text(report))
            if !report.failures.isEmpty && report.series.isEmpty { throw ExitCode(2) }
        } else {
            let options = DecodeOptions(maxDecodedBytes: maxPixelMiB << 20, j2kFrameTimeLimit: j2kTimeLimit)
            let info = try FileInfo.read(path: path, options: options, checksum: checksum)
            print(json ? try encodeJSON(info) : info.text)
        }
    }
}

func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder.tessera().encode(value), as: UTF8.self)
}
