import Foundation
import GRDB

/// The batch's SQLite catalog (`DIR/catalog.sqlite`): one row per study,
/// series, instance and frame, with status, error, timings, token counts and
/// the input and profile hashes that decide what a resumed run redoes.
public final class Catalog: Sendable {
    let queue: DatabaseQueue

    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(30)
        // WAL with NORMAL sync: a crash can lose the last few rows (which a
        // resumed run simply redoes) but never corrupts the catalog, and a
        // file no longer costs an fsync.
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        }
        queue = try DatabaseQueue(path: path, configuration: config)
        try Self.migrator().migrate(queue)
    }

    /// The schema, step by step (GRDB records the steps done in
    /// grdb_migrations). Columns added after the first release are appended in
    /// the same order everywhere, so that shard catalogs of any age merge
    /// column for column (`merge` copies rows with SELECT *). Catalogs made
    /// before the migrator may hold some of those columns already: each step
    /// adds its column only when missing. input_sha256 stays, empty in new
    /// rows (XXH3's input_hash replaced it): older rows are redone.
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("tables") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS study (uid TEXT PRIMARY KEY);
                CREATE TABLE IF NOT EXISTS series (uid TEXT PRIMARY KEY, study_uid TEXT, modality TEXT,
                    description TEXT, findings TEXT);
                CREATE TABLE IF NOT EXISTS instance (input TEXT PRIMARY KEY, sop_uid TEXT, series_uid TEXT,
                    study_uid TEXT, status TEXT NOT NULL, error TEXT, frames INTEGER, input_sha256 TEXT,
                    profile_sha256 TEXT, seconds REAL);
                CREATE TABLE IF NOT EXISTS frame (input TEXT NOT NULL, frame INTEGER NOT NULL, status TEXT NOT NULL,
                    error TEXT, output TEXT, tokens INTEGER, uniform_tokens INTEGER, reduction REAL,
                    input_sha256 TEXT, profile_sha256 TEXT, seconds REAL, PRIMARY KEY (input, frame));
                CREATE TABLE IF NOT EXISTS attempt (input TEXT PRIMARY KEY, started INTEGER NOT NULL,
                    crashes INTEGER NOT NULL DEFAULT 0);
                """)
        }
        // ROI coverage, the output options a row was made with, the XXH3
        // input hash, the profile and region, the conservative flag, the file stamp.
        let added = [("frame", "rois", "INTEGER"), ("frame", "rois_resolved", "INTEGER"), ("frame", "rois_skipped", "TEXT"),
                     ("instance", "options", "TEXT"), ("instance", "input_hash", "TEXT"), ("frame", "input_hash", "TEXT"),
                     ("frame", "profile", "TEXT"), ("frame", "region", "TEXT"), ("frame", "conservative", "INTEGER"),
                     ("frame", "conservative_reason", "TEXT"), ("instance", "file_stat", "TEXT")]
        for (table, name, type) in added {
            migrator.registerMigration("add \(table).\(name)") { db in
                if try !db.columns(in: table).contains(where: { $0.name == name }) {
                    try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN \(name) \(type)")
                }
            }
        }
        return migrator
    }

    public struct Instance: Sendable, Codable, Equatable {
        public var input: String
        public var sopUID: String?
        public var seriesUID: String?
        public var studyUID: String?
        public var status: BatchStatus
        public var error: String?
        public var frames: Int
        public var inputHash: String?
        public var profileSHA256: String?
        public var seconds: Double
        /// The output options the row was made with (heatmaps, patches, ROI
        /// files): a rerun with other options redoes the instance.
        public var options: String?
        /// Size, modification time and inode of the input when it was read
        /// (`BatchRunner.fileStamp`): an unchanged stamp lets a resume skip it unread.
        public var fileStat: String?

        public init(input: String, sopUID: String? = nil, seriesUID: String? = nil, studyUID: String? = nil, status: BatchStatus,
                    error: String? = nil, frames: Int, inputHash: String? = nil, profileSHA256: String? = nil, seconds: Double,
                    options: String? = nil, fileStat: String? = nil) {
            self.fileStat = fileStat
            self.input = input; self.sopUID = sopUID; self.seriesUID = seriesUID; self.studyUID = studyUID
            self.status = status; self.error = error; self.frames = frames; self.inputHash = inputHash
            self.profileSHA256 = profileSHA256; self.seconds = seconds; self.options = options
        }
    }

    public struct Frame: Sendable, Codable, Equatable {
        public var input: String
        public var frame: Int
        public var status: BatchStatus
        public var error: String?
        public var output: String?
        public var tokens: Int
        public var uniformTokens: Int
        public var reduction: Double
        public var seconds: Double
        /// ROIs on the frame (--rois), how many were resolved, and the ids of the skipped ones.
        public var rois: Int?
        public var roisResolved: Int?
        public var skippedROIs: [String]
        /// Which profile tokenized the frame, the body region it found, and
        /// whether the frame was outside the profile's calibrated
        /// distribution (every foreground cell at basePatch), and why.
        public var profile: String?
        public var region: String?
        public var conservative: Bool?
        public var conservativeReason: String?

        public init(input: String, frame: Int, status: BatchStatus, error: String? = nil, output: String?, tokens: Int,
                    uniformTokens: Int, reduction: Double, seconds: Double, rois: Int? = nil, roisResolved: Int? = nil,
                    skippedROIs: [String] = [], profile: String? = nil, region: String? = nil, conservative: Bool? = nil,
                    conservativeReason: String? = nil) {
            self.input = input; self.frame = frame; self.status = status; self.error = error; self.output = output
            self.tokens = tokens; self.uniformTokens = uniformTokens; self.reduction = reduction; self.seconds = seconds
            self.rois = rois; self.roisResolved = roisResolved; self.skippedROIs = skippedROIs
            self.profile = profile; self.region = region; self.conservative = conservative; self.conservativeReason = conservativeReason
        }
    }

    /// Copies the write-ahead log into the database file (two fsyncs) and
    /// closes it: afterwards catalog.sqlite holds everything on its own.
    /// Any later use throws.
    public func close() throws { try queue.close() }

    /// Crash isolation: an input is marked started before anything reads it,
    /// and the mark goes when its row is recorded (done, failed, duplicate,
    /// skipped). A batch starting finds the marks an earlier run left: when
    /// that run crashed (`crashed`: its signal handler left the crash
    /// marker) each marked input counts one crash; when it was killed from
    /// outside (SIGKILL, a preempted node) the marks are just cleared, so
    /// stopping a batch never quarantines a file. Returns every input's
    /// crash count.
    public func settleAttempts(crashed: Bool) throws -> [String: Int] {
        try queue.write { db in
            if crashed { try db.execute(sql: "UPDATE attempt SET crashes = crashes + 1 WHERE started = 1") }
            try db.execute(sql: "UPDATE attempt SET started = 0 WHERE started = 1")
            try db.execute(sql: "DELETE FROM attempt WHERE crashes = 0")
            return Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT input, crashes FROM attempt").map {
                ($0["input"] as String, $0["crashes"] as Int)
            })
        }
    }

    /// Inputs marked started and not yet recorded, with their crash counts (tests).
    public func unfinishedAttempts() throws -> [String: Int] {
        try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT input, crashes FROM attempt WHERE started = 1").map {
                ($0["input"] as String, $0["crashes"] as Int)
            })
        }
    }

    public func markStarted(_ input: String) throws {
        try queue.write { db in
            try db.cachedStatement(sql: """
                INSERT INTO attempt (input, started) VALUES (?, 1) ON CONFLICT(input) DO UPDATE SET started = 1
                """).execute(arguments: [input])
        }
    }

    /// Clears a start mark without a row (an input passed over as ignored).
    public func clearStarted(_ input: String) throws {
        try queue.write { db in try db.cachedStatement(sql: "DELETE FROM attempt WHERE input = ?").execute(arguments: [input]) }
    }

    /// Whether any instance is recorded as done: a fresh output folder has
    /// none, and its batch skips the per-file `isDone` lookups.
    public func hasDoneInstances() throws -> Bool {
        try queue.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM instance WHERE status = 'done')") ?? false }
    }

    /// Done, with the same input, profile and output options: nothing to redo.
    public func isDone(input: String, inputHash: String, profileSHA256: String, options: String) throws -> [String]? {
        try queue.read { db -> [String]? in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                      SELECT status, input_hash, profile_sha256, options FROM instance WHERE input = ?
                      """), arguments: [input]),
                  row["status"] as BatchStatus? == .done, row["input_hash"] as String? == inputHash,
                  row["profile_sha256"] as String? == profileSHA256, (row["options"] as String? ?? "") == options
            else { return nil }
            return try String.fetchAll(db.cachedStatement(sql: "SELECT output FROM frame WHERE input = ? AND status = 'done' ORDER BY frame"),
                                       arguments: [input])
        }
    }

    /// Records one instance and its frames in one transaction (after its
    /// outputs were renamed into place). Cached statements: this runs once
    /// per file, and parsing the SQL each time showed in a batch's profile.
    /// `keepsAttempt`: a quarantined input keeps its start mark, so every
    /// later run passes it over too.
    /// A done row as a resume compares it: file stamp, profile, output
    /// options, and its frames' outputs in order.
    public struct DoneRow: Sendable {
        public let fileStat: String
        public let profileSHA256: String
        public let options: String
        public let outputs: [String]
        /// What the instance registry needs to tell a later copy a duplicate.
        public let sopUID: String?
        public let inputHash: String?
    }

    /// Every done row with a file stamp, read in two queries: a resume of
    /// ten thousand inputs looks each one up here instead of asking the
    /// database twice per input.
    public func doneRows() throws -> [String: DoneRow] {
        try queue.read { db in
            var outputs: [String: [String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT input, output FROM frame WHERE status = 'done' ORDER BY input, frame") {
                if let output = row["output"] as String? { outputs[row["input"] as String, default: []].append(output) }
            }
            var out: [String: DoneRow] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT input, file_stat, profile_sha256, options, frames, sop_uid, input_hash FROM instance
                    WHERE status = 'done' AND file_stat IS NOT NULL
                """) {
                let input: String = row["input"]
                let files = outputs[input] ?? []
                guard let stat = row["file_stat"] as String?, let profile = row["profile_sha256"] as String?,
                      files.count == (row["frames"] as Int? ?? -1) else { continue }
                out[input] = DoneRow(fileStat: stat, profileSHA256: profile, options: row["options"] as String? ?? "", outputs: files,
                                     sopUID: row["sop_uid"], inputHash: row["input_hash"])
            }
            return out
        }
    }

    /// `keepsAttempt`: a quarantined input keeps its start mark, so every
    /// later run passes it over too.
    public func record(_ i: Instance, frames: [Frame], modality: String?, description: String?, keepsAttempt: Bool = false) throws {
        try queue.write { db in
            if let study = i.studyUID {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO study (uid) VALUES (?)").execute(arguments: [study])
            }
            if let series = i.seriesUID {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO series (uid, study_uid, modality, description) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [series, i.studyUID, modality, description])
            }
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO instance (input, sop_uid, series_uid, study_uid, status, error, frames, input_hash,
                    profile_sha256, seconds, options, file_stat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [i.input, i.sopUID, i.seriesUID, i.studyUID, i.status, i.error, i.frames, i.inputHash,
                                         i.profileSHA256, i.seconds, i.options, i.fileStat])
            try db.cachedStatement(sql: "DELETE FROM frame WHERE input = ?").execute(arguments: [i.input])
            // Recorded: no longer an unfinished attempt (a quarantine keeps its mark).
            if !keepsAttempt {
                try db.cachedStatement(sql: "DELETE FROM attempt WHERE input = ?").execute(arguments: [i.input])
            }
            let insertFrame = try db.cachedStatement(sql: """
                INSERT INTO frame (input, frame, status, error, output, tokens, uniform_tokens, reduction, input_hash,
                    profile_sha256, seconds, rois, rois_resolved, rois_skipped, profile, region, conservative, conservative_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for f in frames {
                try insertFrame.execute(arguments: [f.input, f.frame, f.status, f.error, f.output, f.tokens, f.uniformTokens, f.reduction,
                                                    i.inputHash, i.profileSHA256, f.seconds, f.rois, f.roisResolved,
                                                    f.skippedROIs.isEmpty ? nil : f.skippedROIs.joined(separator: "; "),
                                                    f.profile, f.region, f.conservative.map { $0 ? 1 : 0 }, f.conservativeReason])
            }
        }
    }

    public func setFindings(series: String, findings: [String]) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE series SET findings = ? WHERE uid = ?", arguments: [findings.joined(separator: "; "), series])
        }
    }

    public func instances() throws -> [Instance] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM instance ORDER BY input").map { r in
                Instance(input: r["input"], sopUID: r["sop_uid"], seriesUID: r["series_uid"], studyUID: r["study_uid"],
                         status: r["status"], error: r["error"], frames: r["frames"] ?? 0, inputHash: r["input_hash"],
                         profileSHA256: r["profile_sha256"], seconds: r["seconds"] ?? 0, options: r["options"],
                         fileStat: r["file_stat"])
            }
        }
    }

    public func frames() throws -> [Frame] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM frame ORDER BY input, frame").map { r in
                Frame(input: r["input"], frame: r["frame"], status: r["status"], error: r["error"], output: r["output"],
                      tokens: r["tokens"] ?? 0, uniformTokens: r["uniform_tokens"] ?? 0, reduction: r["reduction"] ?? 0,
                      seconds: r["seconds"] ?? 0, rois: r["rois"], roisResolved: r["rois_resolved"],
                      skippedROIs: (r["rois_skipped"] as String?).map { $0.components(separatedBy: "; ") } ?? [],
                      profile: r["profile"], region: r["region"], conservative: (r["conservative"] as Int?).map { $0 != 0 },
                      conservativeReason: r["conservative_reason"])
            }
        }
    }

    public func seriesRows() throws -> [(uid: String, study: String?, modality: String?, description: String?, findings: String?)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM series ORDER BY uid").map { r in
                (r["uid"], r["study_uid"], r["modality"], r["description"], r["findings"])
            }
        }
    }

    /// Copies every row of another catalog into this one (shard merge).
    public func merge(from other: String) throws {
        // Opening the shard's catalog brings an older one's columns up to
        // date, so the SELECT * below lines up.
        _ = try Catalog(path: other)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS other", arguments: [other])
            try db.inTransaction {
                for table in ["study", "series", "instance", "frame"] {
                    try db.execute(sql: "INSERT OR REPLACE INTO \(table) SELECT * FROM other.\(table)")
                }
                return .commit
            }
            try db.execute(sql: "DETACH DATABASE other")
        }
    }
}
