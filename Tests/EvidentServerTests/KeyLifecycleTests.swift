import Evident
@testable import EvidentEngine
import EvidentServer
import Foundation
import HTTPTypes
import Synchronization
import Testing

/// A clock a test moves by hand, so that no test waits for a minute or a scheduled time to pass.
final class TestClock: Sendable {
    private let time: Mutex<Date>

    /// Starts at a whole minute, so that a test knows where the rate-limit windows turn.
    init() {
        let now = Date().timeIntervalSince1970
        time = Mutex(Date(timeIntervalSince1970: (now / 60).rounded(.down) * 60))
    }

    var now: Date { time.withLock { $0 } }

    func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }

    /// A server configuration whose clock is this one.
    var configuration: ServerConfiguration {
        var configuration = TestServer.configuration
        configuration.clock = { [self] in now }
        return configuration
    }
}

func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

@Suite("API keys: names, last use, rotation, scheduled revocation")
struct KeyLifecycleTests {
    @Test("a key has a name, created_at and last_used_at, recorded at most once a minute", arguments: StoreKind.all)
    func nameAndLastUse(_ store: StoreKind) async throws {
        let clock = TestClock()
        let server = try await TestServer(store, configuration: clock.configuration)
        try await server.test { client in
            let admin = try await client.post("/_keys", ["scope": "admin", "name": "ops laptop"])
            #expect(admin.status == .created)
            #expect(admin["name"] == "ops laptop")
            #expect(admin["created_at"]?.string == clock.now.iso8601Milliseconds)
            let adminKey = try #require(admin["key"]?.string)
            let adminID = try #require(admin["id"]?.string)
            let unnamed = try await client.post("/_keys", ["scope": "read"], headers: bearer(adminKey))
            #expect(unnamed.status == .created && unnamed["name"] == nil)

            func listed(_ id: String) async throws -> JSON? {
                let answer = try await client.get("/_keys", headers: bearer(adminKey))
                return answer["keys"]?.array?.first { $0["id"]?.string == id }
            }
            let firstUse = clock.now
            var key = try #require(try await listed(adminID))
            #expect(key["name"] == "ops laptop")
            #expect(key["scope"] == "admin")
            #expect(key["created_at"]?.string == firstUse.iso8601Milliseconds)
            #expect(key["last_used_at"]?.string == firstUse.iso8601Milliseconds)
            #expect(key["revoke_at"] == nil)
            #expect(key["hash"] == nil)
            let unnamedID = try #require(unnamed["id"]?.string)
            let unnamedKey = try #require(try await listed(unnamedID))
            #expect(unnamedKey["name"] == .null && unnamedKey["last_used_at"] == .null)

            // Within the minute, uses are not recorded again; past it, the next one is.
            clock.advance(59)
            key = try #require(try await listed(adminID))
            #expect(key["last_used_at"]?.string == firstUse.iso8601Milliseconds)
            clock.advance(2)
            let secondUse = clock.now
            _ = try await client.get("/_spec", headers: bearer(adminKey))
            key = try #require(try await listed(adminID))
            #expect(key["last_used_at"]?.string == secondUse.iso8601Milliseconds)
            let uses = try await server.server.store.readStream(
                try #require(APIKeys.useStream(of: adminID, day: APIKeys.day(of: secondUse))), from: 1,
                direction: .forward, limit: 100)
            #expect(uses.count <= 2 && uses.allSatisfy { $0.type == "key_was_used" })

            // A name that cannot name a key is refused, with why.
            for (name, words) in [
                ("", "empty"), ("   ", "empty"), (String(repeating: "n", count: 101), "101 characters"),
                ("two\nlines", "control characters"),
            ] {
                let answer = try await client.post(
                    "/_keys", ["scope": "read", "name": .string(name)], headers: bearer(adminKey))
                #expect(answer.status == .unprocessableContent)
                #expect(answer["error"]?.string?.contains(words) == true, "\(answer.text)")
            }
            let numeric = try await client.post("/_keys", ["scope": "read", "name": 42], headers: bearer(adminKey))
            #expect(numeric.status == .unprocessableContent && numeric.text.contains("name must be a string"))
        }
    }

    @Test(
        "rotate makes a new key with the same name and scope and revokes the old one, the last admin key too",
        arguments: StoreKind.all)
    func rotate(_ store: StoreKind) async throws {
        try await TestServer(store).test { client in
            let admin = try await client.post("/_keys", ["scope": "admin", "name": "deploy"])
            let adminKey = try #require(admin["key"]?.string)
            let adminID = try #require(admin["id"]?.string)
            let rotated = try await client.request(.post, "/_keys/\(adminID)/rotate", headers: bearer(adminKey))
            #expect(rotated.status == .created)
            #expect(rotated.position != nil)
            #expect(rotated["scope"] == "admin" && rotated["name"] == "deploy")
            #expect(rotated["rotated_from"]?.string == adminID)
            let newKey = try #require(rotated["key"]?.string)
            let newID = try #require(rotated["id"]?.string)
            #expect(newID != adminID && newKey.hasPrefix("evk_\(newID)_"))
            #expect(try await client.get("/_spec", headers: bearer(adminKey)).status == .unauthorized)
            let listed = try await client.get("/_keys", headers: bearer(newKey))
            let keys = try #require(listed["keys"]?.array)
            #expect(keys.count == 1)
            #expect(keys.first?["id"]?.string == newID && keys.first?["name"] == "deploy")
            #expect(!listed.text.contains(newKey))

            let missing = try await client.request(.post, "/_keys/0123456789ab/rotate", headers: bearer(newKey))
            #expect(missing.status == .notFound && missing.text.contains("0123456789ab"))
            // The old id is gone too.
            #expect(
                try await client.request(.post, "/_keys/\(adminID)/rotate", headers: bearer(newKey)).status
                    == .notFound)
        }
    }

    @Test("schedule_revocation: the key works until revoke_at and is refused from then on", arguments: StoreKind.all)
    func scheduledRevocation(_ store: StoreKind) async throws {
        let clock = TestClock()
        let server = try await TestServer(store, configuration: clock.configuration)
        try await server.test { client in
            let admin = try #require(try await client.post("/_keys", ["scope": "admin"])["key"]?.string)
            let write = try await client.post("/_keys", ["scope": "write", "name": "importer"], headers: bearer(admin))
            let writeKey = try #require(write["key"]?.string)
            let writeID = try #require(write["id"]?.string)
            func schedule(_ id: String, _ body: JSON) async throws -> Answer {
                try await client.post("/_keys/\(id)/schedule_revocation", body, headers: bearer(admin))
            }
            func newKey(_ scope: String) async throws -> String? {
                try await client.post("/_keys", ["scope": .string(scope)], headers: bearer(admin))["id"]?.string
            }
            let at = clock.now.addingTimeInterval(3_600)
            let iso = ISO8601DateFormatter().string(from: at)
            let scheduled = try await schedule(writeID, ["revoke_at": .string(iso)])
            #expect(scheduled.status == .ok)
            #expect(scheduled["revoke_at"]?.string == at.iso8601Milliseconds)
            let listed = try await client.get("/_keys", headers: bearer(admin))
            let entry = listed["keys"]?.array?.first { $0["id"]?.string == writeID }
            #expect(entry?["revoke_at"]?.string == at.iso8601Milliseconds)

            clock.advance(3_599)
            #expect(try await client.get("/_spec", headers: bearer(writeKey)).status == .ok)
            clock.advance(1)
            let refused = try await client.get("/_spec", headers: bearer(writeKey))
            #expect(refused.status == .unauthorized)
            let after = try await client.get("/_keys", headers: bearer(admin))
            #expect(after["keys"]?.array?.contains { $0["id"]?.string == writeID } == false)

            // Times in the past, malformed, or missing; an unknown id.
            let readID = try #require(try await newKey("read"))
            let past = try await schedule(readID, ["revoke_at": "2001-01-01T00:00:00Z"])
            #expect(past.status == .unprocessableContent && past.text.contains("not in the future"))
            for body: JSON in [
                ["revoke_at": "tomorrow"], ["revoke_at": "2030-01-01"], ["revoke_at": 1_900_000_000], [:],
            ] {
                let answer = try await schedule(writeID, body)
                #expect(answer.status == .unprocessableContent && answer.text.contains("ISO 8601"), "\(answer.text)")
            }
            let unknown = try await schedule("0123456789ab", ["revoke_at": "2999-01-01T00:00:00+01:00"])
            #expect(unknown.status == .notFound)

            // The last admin key working at that time: refused; with another admin key that outlives it, allowed.
            let adminID = String(admin.split(separator: "_")[1])
            let soon = ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(600))
            let later = ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(1_200))
            let lonely = try await schedule(adminID, ["revoke_at": .string(soon)])
            #expect(lonely.status == .conflict && lonely.text.contains("no admin key"), "\(lonely.text)")
            let second = try #require(try await newKey("admin"))
            #expect(try await schedule(second, ["revoke_at": .string(soon)]).status == .ok)
            #expect(try await schedule(adminID, ["revoke_at": .string(soon)]).status == .conflict)
            // The second stops at `soon`: it does not outlive a revocation of the first at `later` either.
            #expect(try await schedule(adminID, ["revoke_at": .string(later)]).status == .conflict)
            // Once the second has stopped working, the first is the last admin key: it cannot be revoked.
            clock.advance(601)
            let listedAdmins = try await client.get("/_keys", headers: bearer(admin))
            #expect(listedAdmins["keys"]?.array?.filter { $0["scope"] == "admin" }.count == 1)
            #expect(try await client.request(.delete, "/_keys/\(adminID)", headers: bearer(admin)).status == .conflict)

        }
    }
}
