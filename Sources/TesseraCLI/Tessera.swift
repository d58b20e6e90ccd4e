import ArgumentParser
import Foundation
import DicomIO

@main
struct Tessera: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tessera",
        abstract: "Read radiology DICOM exactly and turn it into mixed-resolution tokens.",
        discussion: """
            Start with `tessera info PATH` on a file or a folder of DICOM files: it shows \
            what Tessera reads from the header, the pixel statistics, and for a folder the \
            studies and series it assembles, with any gaps, duplicates or tilt it finds.
            """,
        subcommands: [InfoCommand.self, TokenizeCommand.self, HeatmapCommand.self, AuditCommand.self, BatchCommand.self, ValidateCommand.self, CalibrateCommand.self, PhantomCommand.self, RoisCommand.self, ProfileCommand.self, BenchCommand.self]
    )

    static func main() async {
        // Register DCMTK's codecs once, before any task or thread starts
        // (the allocator first: registration starts the dictionary's loader).
        DicomFile.tuneAllocatorForFrameStreaming()
        DicomFile.initializeCodecs()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            // Done, every file closed and renamed, the catalog closed: leave
            // without the C++ static destructors (DCMTK's dictionary teardown
            // alone took several ms of every run). Flush print()'s buffer first.
            fflush(nil)
            _exit(0)
        } catch {
            // Usage errors exit 1 (not ArgumentParser's 64), as batch promises.
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}
