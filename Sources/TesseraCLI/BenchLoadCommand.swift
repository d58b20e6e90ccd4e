import ArgumentParser
import DicomIO
import Foundation

/// Loader speed: uncompressed CT to Hounsfield units vs pydicom, and JPEG 2000
/// decoding vs OpenJPEG's own command-line decoder on the same codestream.
struct BenchLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Loader benchmark: CT slices to HU vs pydicom; J2K decode vs opj_decompress.")

    @Option(help: "Folder of uncompressed CT slices.")
    var ct = "SampleStudies/ct/lidc-idri-0001"

    @Option(help: "JPEG 2000 DICOM files (repeat the option for several).")
    var j2k: [String] = ["SampleStudies/xray/RG3_J2KR.dcm", "../shared/data/xray/RG1_J2KR.dcm"]

    @Option(help: "Timed rounds per measurement (after one warm-up round).")
    var rounds = 5

    @Option(help: "Python interpreter with pydicom installed.")
    var python = "python3"

    func run() throws {
        if !Timing.isReleaseBuild { print("warning: debug build; run `bash scripts/build-release.sh` for meaningful numbers") }
        print("tessera bench load — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(rounds) rounds, medians")
        try benchCT()
        for path in j2k where FileManager.default.fileExists(atPath: path) { try benchJ2K(path) }
        print(String(format: "peak RSS: %.1f MiB", Timing.peakRSSMiB))
    }

    private func benchCT() throws {
        let files = FileScanner.files(under: ct).filter { $0.hasSuffix(".dcm") }
        guard !files.isEmpty else { throw ValidationError("no .dcm files under \(ct)") }
        var checksum: Float = 0
        var times: [Double] = []
        for _ in 0...rounds {
            times.append(try Timing.seconds {
                for f in files { checksum += try DicomImage(path: f).modalityFrame(0)[1000] }
            })
        }
        let ours = Timing.median(Array(times.dropFirst())) / Double(files.count)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/peers/pydicom_load.py").path
        let (status, output) = try Timing.run(python, [script, String(rounds)] + files)
        print("\nCT slice → modality values (HU, Float32), \(files.count) uncompressed slices, per slice:")
        print(String(format: "  tessera   %8.3f ms", ours * 1000))
        guard status == 0, let json = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let peerTimes = json["seconds_per_round"] as? [Double] else {
            print("  pydicom   unavailable (\(output.split(separator: "\n").last ?? "")); pip install pydicom numpy")
            return
        }
        let peer = Timing.median(peerTimes) / Double(files.count)
        print(String(format: "  pydicom   %8.3f ms  (pydicom %@, dcmread + pixel_array + apply_modality_lut)",
                     peer * 1000, json["version"] as? String ?? "?"))
        print(String(format: "  ratio     %8.2f×  faster than pydicom (goal ≥ 3×)", peer / ours))
        _ = checksum
    }

    private func benchJ2K(_ path: String) throws {
        let image = try DicomImage(path: path)
        let codestream = try image.encapsulatedCodestream(0)
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("tessera-bench-\(getpid())")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: temp) }
        let j2kFile = temp.appendingPathComponent("frame.j2k").path
        try Data(codestream).write(to: URL(fileURLWithPath: j2kFile))

        func ours(threads: Int) throws -> Double {
            let options = DecodeOptions(j2kThreads: threads)
            var times: [Double] = []
            for _ in 0...rounds {
                times.append(try Timing.seconds { _ = try DicomImage(path: path, options: options).storedFrame(0) })
            }
            return Timing.median(Array(times.dropFirst()))
        }
        let single = try ours(threads: 1)
        let multi = try ours(threads: ProcessInfo.processInfo.activeProcessorCount)
        print("\nJPEG 2000 decode, \((path as NSString).lastPathComponent) \(image.format.columns)×\(image.format.rows), \(codestream.count / 1024) KiB codestream:")
        print(String(format: "  tessera (1 thread)          %8.1f ms  (DICOM open + fragments + decode + Int32 frame)", single * 1000))
        print(String(format: "  tessera (%d threads)         %8.1f ms", ProcessInfo.processInfo.activeProcessorCount, multi * 1000))
        var decodeTimes: [Double] = []
        var wallTimes: [Double] = []
        for _ in 0...rounds {
            var output = ""
            let wall = try Timing.seconds {
                let r = try Timing.run("opj_decompress", ["-i", j2kFile, "-o", temp.appendingPathComponent("out.raw").path])
                output = r.output
            }
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("decode time:") }),
                  let ms = Double(line.split(separator: " ")[2]) else {
                print("  opj_decompress unavailable (apt-get install libopenjp2-tools)")
                return
            }
            decodeTimes.append(ms / 1000)
            wallTimes.append(wall)
        }
        let peer = Timing.median(Array(decodeTimes.dropFirst()))
        print(String(format: "  opj_decompress (1 thread)   %8.1f ms  (its own 'decode time'; %.1f ms wall incl. process and output)",
                     peer * 1000, Timing.median(Array(wallTimes.dropFirst())) * 1000))
        print(String(format: "  ratio 1 thread              %8.3f×  of opj_decompress (goal ≤ 1.1×)", single / peer))
        print(String(format: "  ratio %d threads             %8.3f×", ProcessInfo.processInfo.activeProcessorCount, multi / peer))
    }
}
