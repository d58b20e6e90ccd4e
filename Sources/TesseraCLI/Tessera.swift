import ArgumentParser
import DicomIO
import Foundation
import TesseraSupport

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
        version: "tessera \(tesseraVersion)",
        subcommands: [InfoCommand.self, TokenizeCommand.self, HeatmapCommand.self, AuditCommand.self, BatchCommand.self, ValidateCommand.self, CalibrateCommand.self, PhantomCommand.self, RoisCommand.self, ProfileCommand.self, BenchCommand.self]
    )

    static func main() async {
        // Register DCMTK's codecs once, before any task or thread starts
        // (the allocator first: registration starts the dictionary's loader).
        DicomFile.tuneAllocatorForFrameStreaming()
        DicomFile.initializeCodecs()
        // `batch merge` is its own command: `batch` takes any paths as inputs.
        let arguments = Array(CommandLine.arguments.dropFirst())
        let merging = arguments.starts(with: ["batch", "merge"])
        var parsed: (any ParsableCommand.Type)?
        do {
            var command: any ParsableCommand = merging
                ? try BatchMergeCommand.parse(Array(arguments.dropFirst(2))) : try parseAsRoot()
            parsed = type(of: command)
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
            // A usage error found while running (after parsing) names the subcommand's help.
            let name = parsed.map { $0.configuration.commandName ?? "" }.map { $0.hasPrefix("tessera") ? $0 : "tessera " + $0 }
            if merging { BatchMergeCommand.fail(error, helpOf: name) } else { fail(error, helpOf: name) }
        }
    }
}

extension ParsableCommand {
    /// Help and --version print as usual; ExitCode exits quietly with its
    /// code. Every other error is one line on stderr and exit 1 (not
    /// ArgumentParser's 64, as batch promises): a usage error says what was
    /// wrong, what the option takes and where the help is; a runtime error
    /// (a typed error naming the file and the problem) is its description.
    static func fail(_ error: any Error, helpOf command: String? = nil) -> Never {
        let code = exitCode(for: error)
        if code == .success || error is ExitCode { exit(withError: error) }
        var line = "error: " + message(for: error)
        if code == .validationFailure {
            // ArgumentParser's full message adds "Help:  --opt <v>  what it takes"
            // and "See 'tessera … --help'" on lines of their own: kept, joined.
            let full = fullMessage(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            if let help = full.first(where: { $0.hasPrefix("Help:") }) {
                let text = help.dropFirst("Help:".count).trimmingCharacters(in: .whitespaces)
                // "--window <window>  Display window: …": the option, then its help.
                if let gap = text.range(of: "  ") { line += " (" + text[gap.upperBound...].trimmingCharacters(in: .whitespaces) + ")" }
            }
            if let command {
                line += "; see '\(command) --help'"
            } else if let see = full.first(where: { $0.hasPrefix("See '") }) {
                line += "; " + see.replacingOccurrences(of: "See '", with: "see '").replacingOccurrences(of: " for more information.", with: "")
            }
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        Foundation.exit(1)
    }
}
