import Foundation

/// Writes go to a temporary file beside the target and are renamed into
/// place, so a killed run never leaves a half-written output.
enum AtomicFile {
    struct WriteError: Error, CustomStringConvertible {
        let path: String, reason: String
        var description: String { "\(path): cannot write (\(reason))" }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try Data(bytes).write(to: temp)
            guard rename(temp.path, path) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temp)
                throw WriteError(path: path, reason: reason)
            }
        } catch let e as WriteError {
            throw e
        } catch {
            throw WriteError(path: path, reason: "\(error)")
        }
    }

    static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }
}
