import GRDB

/// What became of one input (and of each frame) in a batch; stored as its
/// raw text in the catalog, summaries and JSON lines.
public enum BatchStatus: String, Sendable, Codable, DatabaseValueConvertible {
    /// Tokenized in this run.
    case done
    /// Already done by an earlier run, with the same bytes, profile and options.
    case skipped
    /// Could not be read or written; the row says why.
    case failed
    /// The same SOP Instance UID and bytes as an earlier input, which is the one tokenized.
    case duplicate
    /// Not for this run: no pixel data, or another shard's study.
    case ignored
}
