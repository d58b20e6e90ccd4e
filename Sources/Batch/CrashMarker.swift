import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells a crash from a kill. A signal handler for the signals a decoder
/// bug raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) creates
/// `OUTPUT/.work/crashed` and lets the signal take its default course; the
/// next run counts the inputs that were in flight as crashed only when the
/// marker is there. SIGKILL, SIGTERM or a lost node leave no marker, so an
/// interrupted batch never quarantines a file. (A stack overflow on a
/// thread without an alternate signal stack may die before the handler
/// runs; the nesting pre-scan is what keeps DCMTK's recursion bounded.)
enum CrashMarker {
    static func path(output: String) -> String { output + "/.work/crashed" }

    /// The marker's path as a C string, set before the handlers go in:
    /// a handler may only call async-signal-safe functions (open, close).
    nonisolated(unsafe) private static var cPath: UnsafeMutablePointer<CChar>?
    nonisolated(unsafe) private static var installed = false

    static func install(path: String) {
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        if let old = cPath { free(old) }
        cPath = strdup(path)
        guard !installed else { return }  // once per process; the path above is current
        installed = true
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            if let p = CrashMarker.cPath {
                let fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
                if fd >= 0 { close(fd) }
            }
            // The default action goes back in and gets the signal again: the
            // process ends by it (a core dump where enabled). Not the Swift
            // runtime's backtracer: it returned on a signal sent with kill,
            // and the batch went on as if nothing had happened.
            Glibc.signal(signal, SIG_DFL)
            raise(signal)
        }
        action.sa_flags = Int32(SA_NODEFER)
        sigemptyset(&action.sa_mask)
        for signal in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT] { sigaction(signal, &action, nil) }
    }
}
