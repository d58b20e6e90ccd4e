import Foundation
import Imaging
import Scoring
import Testing
import Tiling

@Suite struct BudgetTests {
    /// The budget mechanism is measured with the domain's profile minus its
    /// homogeneity certificate: on these images the certificate alone keeps
    /// nearly every tissue cell fine, which leaves a budget nothing to
    /// allocate (`certificateCellsJoinTheSafetyFloor` checks that part).
    static func tokenize(_ path: String, budget: Int?, profile: LoadedProfile? = nil) throws -> TokenMap {
        let loader = try ImageLoader(path: path)
        let p = try profile ?? withoutCertificate(Profile.builtIn(for: loader.domain))
        return Tokenizer.tokenize(try loader.plane(frame: 0), source: loader.source(frame: 0), domain: loader.domain,
                                  profile: p, budget: budget).map
    }

    static func withoutCertificate(_ loaded: LoadedProfile) -> LoadedProfile {
        LoadedProfile(profile: loaded.profile.withoutCertificate(), sha256: loaded.sha256, source: loaded.source + " (no certificate)")
    }

    static let slice = TestData.samples + "/ct/lidc-idri-0001/000061.dcm"

    /// With the certificate, the floor of a budget holds every cell it could
    /// not certify: a budget of 1 still keeps them all at basePatch.
    @Test func certificateCellsJoinTheSafetyFloor() throws {
        let shipped = try Profile.load("ct")
        let floor = try Self.tokenize(Self.slice, budget: 1, profile: shipped)
        let threshold = try Self.tokenize(Self.slice, budget: nil, profile: shipped)
        let uncertified = try #require(floor.assessment).uncertifiedCells
        #expect(uncertified > 100)
        #expect(floor.tokens.filter { $0.level == 0 }.count >= uncertified)
        #expect(floor.tokens.filter { $0.certified == false }.count == threshold.tokens.filter { $0.certified == false }.count)
    }

    static let photo = TestData.shared + "/natural/camera.png"

    /// A split replaces one token by four, so counts move in steps of 3 from
    /// the safety floor (less where children are background or off the image).
    @Test(arguments: [slice, photo])
    func budgetGivesExactlyNTokensWhenReachable(path: String) throws {
        let floor = try Self.tokenize(path, budget: 1).tokens.count
        let most = try Self.tokenize(path, budget: 1_000_000).tokens.count
        #expect(most > floor + 30)
        for k in [1, 5, 10] where floor + 3 * k <= most {
            let n = floor + 3 * k
            let map = try Self.tokenize(path, budget: n)
            let b = try #require(map.budget)
            #expect(TilingInvariant.violations(map).isEmpty)
            #expect(b.exact && map.tokens.count == n, "\(path) budget \(n): \(b)")
        }
    }

    @Test func unreachableBudgetGivesTheLargestCountBelowAndSaysWhy() throws {
        let floor = try Self.tokenize(Self.photo, budget: 1).tokens.count
        let n = floor + 3 * 2 + 1
        let map = try Self.tokenize(Self.photo, budget: n)
        let b = try #require(map.budget)
        #expect(!b.exact && map.tokens.count == n - 1)
        #expect(b.note?.contains("splits add up to 3 tokens") == true, "\(b)")
    }

    @Test func budgetKeepsTheNoduleFinestAboveTheSafetyFloor() throws {
        let threshold = try Self.tokenize(Self.slice, budget: nil)
        let budgeted = try Self.tokenize(Self.slice, budget: threshold.tokens.count + 9)
        // Every finest token of threshold mode that came from the safety floor is still finest.
        let fine = Set(budgeted.tokens.filter { $0.level == 0 }.map { "\($0.x),\($0.y)" })
        let safety = threshold.tokens.filter { $0.level == 0 && $0.score >= 0.7 }
        #expect(!safety.isEmpty)
        #expect(safety.allSatisfy { fine.contains("\($0.x),\($0.y)") })
    }

    @Test func budgetBelowTheSafetyFloorSaysSo() throws {
        let map = try Self.tokenize(Self.slice, budget: 10)
        let b = try #require(map.budget)
        #expect(!b.exact)
        #expect(map.tokens.count > 10)
        #expect(b.note?.contains("safety floor") == true, "\(b)")
    }
}
