import DicomIO
import Foundation

/// One libFuzzer input: parse it as a DICOM file (header, then everything)
/// and decode its first frame, as `tessera info --checksum` would. Typed
/// errors are the expected outcome for nearly every mutant; a crash, a
/// sanitizer report or a leak is a finding. DCMTK reads from a path, so the
/// bytes go to one scratch file per process first.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let path = Scratch.path
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return 0 }
    var offset = 0
    while offset < size {
        let n = write(fd, data + offset, size - offset)
        if n <= 0 { break }
        offset += n
    }
    close(fd)
    // Small limits: a mutant declaring gigapixels must be refused, not decoded.
    let options = DecodeOptions(maxDecodedBytes: 64 << 20, j2kFrameTimeLimit: 2, j2kThreads: 1)
    do {
        let file = try DicomFile(path: path, extent: .all)
        let image = try DicomImage(file: file, options: options)
        _ = try image.storedFrame(0)
    } catch {
        _ = error.description.count
    }
    return 0
}


enum Scratch {
    static let path = FileManager.default.temporaryDirectory.path + "/tessera-fuzz-\(getpid()).dcm"
}

// SwiftPM gives an executable its own `main`, so libFuzzer's is not linked:
// this one hands control to libFuzzer's driver (LLVMFuzzerRunDriver, the
// entry point libFuzzer provides for programs that have their own main).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

DicomFile.initializeCodecs()  // once, before any input (DCMTK's codec registry is global)
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
