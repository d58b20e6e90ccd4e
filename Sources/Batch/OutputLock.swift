import Foundation
#if canImport(Glibc)
import Glibc
import TesseraSupport
#endif

/// One batch per output folder: an exclusive flock(2) on
/// `OUTPUT/.tessera-batch.lock`, held for the life of the process. The
/// kernel drops it when the process ends, however it ends (a crash or
/// kill -9 leaves no stale lock behind); a second batch on the same folder
/// fails at once with the holder's pid, instead of both writing one catalog
/// and one set of outputs.
public final class OutputLock: Sendable {
    let fd: Int32
    public let path: String

    public init(folder: String) throws {
        path = folder + "/.tessera-batch.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BatchError.usage("\(folder): cannot create the lock file (\(errnoDescription()))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = pread(fd, &buffer, buffer.count, 0)
            let holder = n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(fd)
            throw BatchError.usage("\(folder): another tessera batch (pid \(holder)) is writing into this output folder; "
                                   + "wait for it to finish or choose another --output")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    deinit { close(fd) }
}
