import ArgumentParser
import Calibration
import Export
import Foundation
import Imaging
import Scoring

/// Options several subcommands share, declared once (swift-argument-parser's
/// `@OptionGroup`), and the argument types the parser checks for us, so that
/// no `run()` parses its own strings.

/// `--jobs`.
struct ParallelOptions: ParsableArguments {
    @Option(help: "How many files, frames or cases to work on at once (default: all cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }
}

/// `--profile`.
struct ProfileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Scoring profile: auto, a built-in name (ct, ct-lidc, xray, natural) or a profile JSON file.",
                               discussion: "auto picks by the image: CT by Modality, radiographs (CR, DX, MG…) xray, PNG/JPEG natural."))
    var profile = "auto"

    /// The profile for an image of `domain`.
    func load(for domain: ImageDomain) throws -> LoadedProfile {
        profile == "auto" ? try Profile.builtIn(for: domain) : try Profile.load(profile)
    }
}

/// `--base-patch` and `--budget`, as tokenize and heatmap take them.
struct TilingOptions: ParsableArguments {
    @Option(help: "Finest token side in pixels: a power of two, 4…256.")
    var basePatch = 16

    @Option(help: ArgumentHelp("Fixed token count (Quadformer-style greedy budget).", discussion: """
        A split turns one token into four, so from the safety floor the count moves in steps \
        of 3 (fewer where children are background or off the image). A budget that cannot be \
        met exactly gives the largest reachable count below it; one under the safety floor \
        gives the floor. The map's "budget" block says which happened.
        """))
    var budget: Int?

    func validate() throws {
        // The pyramid halves a cell at every analysis level, so the finest
        // token side must be a power of two (15 would leave 7.5 px cells).
        guard (4...256).contains(basePatch) && basePatch & (basePatch - 1) == 0 else {
            throw ValidationError("--base-patch must be a power of two from 4 to 256 (4, 8, 16, 32, 64, 128, 256); got \(basePatch)")
        }
        if let budget, budget < 1 { throw ValidationError("--budget must be at least 1") }
    }
}

extension ImageDomain: ExpressibleByArgument {}
extension Split: ExpressibleByArgument {}
extension OverlayMode: ExpressibleByArgument {}
extension Colormap: ExpressibleByArgument {}

/// `--window lung|mediastinum|bone|brain|abdomen|auto|C,W`; C may be negative.
extension DisplayWindow: ExpressibleByArgument {
    public static var defaultCompletionKind: CompletionKind { .list(["lung", "mediastinum", "bone", "brain", "abdomen", "auto"]) }
    public var defaultValueDescription: String {
        switch self {
        case .auto: return "auto"
        case .preset(let p): return p.rawValue
        case .explicit(let c, let w): return "\(c),\(w)"
        }
    }
}

/// NAME=PATH (audit's `--domain` and `--rois`).
struct NamedPath: ExpressibleByArgument, Sendable {
    var name: String
    var path: String

    init?(argument: String) {
        guard let i = argument.firstIndex(of: "="), i != argument.startIndex, argument.index(after: i) != argument.endIndex else {
            return nil
        }
        name = String(argument[..<i])
        path = String(argument[argument.index(after: i)...])
    }
}

/// What `batch --outputs` can write next to each frame, beside its token map.
enum BatchOutputKind: String, CaseIterable, Sendable {
    /// `<name>.tokens.json` (always written: it marks the frame done).
    case tokens
    /// `<name>.tokens.safetensors` (tessera.tokens/1) and DIR/tokens-index.csv.
    case safetensors
    /// `<name>.patches.npy` and `<name>.positions.npy` (as `--patches`).
    case npy
    /// Heatmap PNG, DICOM SEG and Secondary Capture (as `--heatmaps`).
    case heatmaps
}

/// `--outputs tokens,safetensors,…`: a comma-separated list of BatchOutputKind.
struct BatchOutputList: ExpressibleByArgument, Sendable {
    var kinds: Set<BatchOutputKind>

    init?(argument: String) {
        var kinds: Set<BatchOutputKind> = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let kind = BatchOutputKind(rawValue: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            kinds.insert(kind)
        }
        self.kinds = kinds
    }

    init(_ kinds: Set<BatchOutputKind>) { self.kinds = kinds }

    static var allValueStrings: [String] { BatchOutputKind.allCases.map(\.rawValue) }
    var defaultValueDescription: String { BatchOutputKind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: ",") }
}
