@testable import Batch
import Testing

/// Repeated SOP Instance UIDs decided while the batch runs: by name order,
/// whatever order the inputs register in.
@Suite struct InstanceRegistryTests {
    static let inputs = ["a.dcm", "b.dcm", "c.dcm", "d.dcm", "e.dcm", "f.dcm"].map { BatchInput(path: "/nowhere/" + $0, name: $0) }

    @Test func rolesFollowNameOrderWhateverTheRegistrationOrder() async {
        // (SOP Instance UID, content hash) per input; e fails before reading one.
        let identities: [(String?, String)?] = [("1.2.3", "aaaa1111bbbb"), ("1.2.3", "aaaa1111bbbb"), ("1.2.3", "cccc2222dddd"),
                                                 ("1.2.4", "eeee"), nil, ("1.2.3", "cccc2222dddd")]
        let registry = InstanceRegistry(count: Self.inputs.count)
        // Registered last to first, each in its own task: every input but
        // the first has to wait for the ones before it.
        let roles = await withTaskGroup(of: (Int, InstanceRegistry.Role?).self) { group in
            for i in Self.inputs.indices.reversed() {
                group.addTask {
                    guard let (uid, hash) = identities[i] else {
                        await registry.settle(i, Self.inputs[i])
                        return (i, nil)
                    }
                    return (i, await registry.register(i, Self.inputs[i], sopUID: uid, hash: hash))
                }
            }
            var roles = [InstanceRegistry.Role?](repeating: nil, count: Self.inputs.count)
            for await (i, role) in group { roles[i] = role }
            return roles
        }
        #expect(roles[0] == .owner)
        #expect(roles[1] == .duplicate(of: "a.dcm"))
        #expect(roles[2] == .conflict(suffix: "~cccc2222"))
        #expect(roles[3] == .owner)
        #expect(roles[4] == nil)
        // The same bytes as c, which is itself a conflicting copy: a duplicate of c, not of a.
        #expect(roles[5] == .duplicate(of: "c.dcm"))
    }

    @Test func anInputWithoutUIDNeverBlocksLaterOnes() async {
        let registry = InstanceRegistry(count: 2)
        async let second = registry.register(1, Self.inputs[1], sopUID: "1.2.3", hash: "ff")
        await registry.settle(0, Self.inputs[0])
        #expect(await second == .owner)
    }
}
