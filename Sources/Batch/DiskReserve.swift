import FileOutput
import Foundation
import GRDB
import Synchronization
import TesseraSupport

/// Room held back on the output disk while a batch runs (OUTPUT/.work/reserve).
/// When the disk fills, the batch stops starting inputs and frees the reserve:
/// that room is what records a failed row for every input, and the summary,
/// on a disk that has none left. Without it, the catalog's own writes fail
/// too and inputs end up with no row at all.
public final class DiskReserve: Sendable {
    /// Enough for catalog rows of some 20,000 inputs plus the summary files.
    public static let bytes = 8 << 20

    public let path: String
    private let state = Mutex<(full: Bool, reason: String)>((false, ""))

    /// Writes the reserve file (real blocks, not a sparse file).
    public init(output: String) throws(BatchError) {
        path = output + "/.work/reserve"
        do {
            try FileManager.default.createDirectory(atPath: output + "/.work", withIntermediateDirectories: true)
            try AtomicWrite.write([UInt8](repeating: 0, count: Self.bytes), to: path)
        } catch {
            throw .diskFull(path: output, reason: "the output disk has less than \(Self.bytes >> 20) MiB free for the batch's own records (\(error))")
        }
    }

    /// The disk has filled during this run: no input should be started.
    public var isFull: Bool { state.withLock { $0.full } }
    public var fullReason: String { state.withLock { $0.reason } }

    /// Whether `error` (thrown while handling an input) means the output
    /// disk is full; if so, the reserve is freed (once) for the records that
    /// follow. C writers (PNG, DICOM) report in their own words, so a write
    /// error on a disk with almost nothing left counts as well.
    public func noteFailure(_ error: any Error, output: String) -> Bool {
        guard Self.isNoSpace(error) || Self.freeBytes(output).map({ $0 < 1 << 20 }) == true else { return false }
        state.withLock { s in
            guard !s.full else { return }
            s = (true, "\(error)")
            unlink(path)
        }
        return true
    }

    /// Removes the reserve at the end of a run.
    public func release() { unlink(path) }

    static let noSpaceCodes: Set<Int32> = [ENOSPC, EDQUOT, EFBIG]

    static func isNoSpace(_ error: any Error) -> Bool {
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_FULL { return true }
        if let code = (error as? FileOutputError)?.errnoCode { return noSpaceCodes.contains(code) }
        // Errors from C writers (PNG, DICOM) and wrapped ones carry only text.
        let text = "\(error)"
        if text.contains("database or disk is full") { return true }  // SQLite's words for SQLITE_FULL
        return noSpaceCodes.contains { text.contains(errnoDescription($0)) }
    }

    static func freeBytes(_ path: String) -> UInt64? {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return nil }
        return UInt64(st.f_bavail) * UInt64(st.f_frsize)
    }
}
