import Foundation

/// Maps `items` with at most `limit` tasks in flight, keeping input order.
/// Structured: every child task finishes before this returns.
public func boundedConcurrentMap<T: Sendable, R: Sendable>(
    _ items: [T], limit: Int = ProcessInfo.processInfo.activeProcessorCount,
    _ body: @escaping @Sendable (T) async -> R
) async -> [R] {
    var results = [R?](repeating: nil, count: items.count)
    await withTaskGroup(of: (Int, R).self) { group in
        var next = 0
        func launch() {
            let index = next, item = items[index]
            group.addTask { (index, await body(item)) }
            next += 1
        }
        while next < min(max(limit, 1), items.count) { launch() }
        while let (index, result) = await group.next() {
            results[index] = result
            if next < items.count { launch() }
        }
    }
    return results.map { $0! }
}
