/// Tells repeated SOP Instance UIDs apart while the batch runs, without a
/// pre-pass over the headers: each input registers the UID it read (once
/// its file is open) and is then told what it is, from the inputs before it
/// in name order, so every run and every --jobs agree.
///
/// - the first input with a UID owns it;
/// - a later one with the same bytes is a duplicate of the first with those
///   bytes (not tokenized again);
/// - a later one with other bytes is tokenized under `<SOP>~<8 hex of its
///   content hash>`, so neither overwrites the other.
///
/// Inputs that fail before their UID is known register none. Deciding waits
/// only until every earlier input has registered; inputs are started in
/// order and register before they wait, so the wait always ends.
actor InstanceRegistry {
    enum Role: Sendable, Equatable {
        case owner
        case duplicate(of: String)
        case conflict(suffix: String)
    }

    private struct Entry {
        var name: String
        var path: String
        var sopUID: String?
        /// Filled on demand: only inputs sharing a UID are compared.
        var hash: String?
    }

    private var entries: [Entry?]
    /// Registered inputs by UID: finding the earlier holders of a UID must
    /// not scan every earlier input (that was quadratic: seconds for a
    /// resume of ten thousand files).
    private var bySOP: [String: [Int]] = [:]
    /// Every input below this index has registered.
    private var registered = 0
    private var waiting: [(index: Int, resume: CheckedContinuation<Void, Never>)] = []

    init(count: Int) { entries = Array(repeating: nil, count: count) }

    /// Registers input `index` (no UID: photographs, unreadable files) and
    /// returns its role. `hash`: its content hash, when already known.
    func register(_ index: Int, _ input: BatchInput, sopUID: String?, hash: String? = nil) async -> Role {
        guard entries[index] == nil else { return .owner }
        entries[index] = Entry(name: input.name, path: input.path, sopUID: sopUID, hash: hash)
        if let sopUID { bySOP[sopUID, default: []].append(index) }
        while registered < entries.count, entries[registered] != nil { registered += 1 }
        let ready = waiting.filter { $0.index <= registered }
        waiting.removeAll { $0.index <= registered }
        for w in ready { w.resume.resume() }
        guard let sopUID else { return .owner }
        if registered < index { await withCheckedContinuation { waiting.append((index, $0)) } }
        let earlier = (bySOP[sopUID] ?? []).filter { $0 < index }.sorted()
        guard !earlier.isEmpty else { return .owner }
        let own = contentHash(index)
        if !own.isEmpty, let first = earlier.first(where: { contentHash($0) == own }) {
            return .duplicate(of: entries[first]!.name)
        }
        return .conflict(suffix: "~" + own.prefix(8))
    }

    /// Registers no UID for an input that ended before it read one (a no-op
    /// when it did register).
    func settle(_ index: Int, _ input: BatchInput) async {
        _ = await register(index, input, sopUID: nil)
    }

    private func contentHash(_ index: Int) -> String {
        if let known = entries[index]!.hash { return known }
        let hash = (try? InputCollector.contentHash(entries[index]!.path)) ?? ""
        entries[index]!.hash = hash
        return hash
    }
}
