import ArgumentParser
import Foundation
import TesseraSupport

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Tessera against its peers in one run (use a release build).",
        discussion: """
            Each benchmark times Tessera and the peer tool on the same files in the same run \
            and prints the ratio, so the numbers compare like with like on this machine.
              bash scripts/build-release.sh && .build/release/tessera bench load
            Peers: pydicom (pip install pydicom pylibjpeg pylibjpeg-openjpeg numpy) and \
            OpenJPEG's opj_decompress (Debian libopenjp2-tools). scripts/bench.sh installs both.
            """,
        subcommands: [BenchLoadCommand.self, BenchTokenizeCommand.self]
    )
}

/// Wall-clock timing helpers shared by the benchmarks.
enum Timing {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let s = values.sorted()
        return s.isEmpty ? .nan : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
    }

    /// Peak resident set size of this process, in MiB.
    static var peakRSSMiB: Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Current resident set size, in MiB (from /proc/self/statm).
    static var currentRSSMiB: Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return .nan }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    static var isReleaseBuild: Bool {
        #if DEBUG
        return false
        #else
        return true
        #endif
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runProgram(executable, arguments)
    }
}
