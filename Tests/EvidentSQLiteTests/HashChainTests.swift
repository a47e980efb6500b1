import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import GRDB
import Testing

/// The hash chain against tampering with the file itself, past the triggers (as `sqlite3` would).
@Suite("SQLite hash chain")
struct HashChainTests {
    /// A store with a random log: events of random streams, some with personal values, some subjects forgotten.
    static func randomLog(at path: String, seed: UInt64) async throws -> Int64 {
        var random = SeededGenerator(seed: seed)
        let base = try SQLiteEventStore(path: path)
        let store = PrivacyEventStore(base)
        let subjects = (0..<4).map { "customer-\($0)" }
        for _ in 0..<Int.random(in: 20...60, using: &random) {
            let subject = subjects.randomElement(using: &random)!
            var event = NewEvent(
                type: ["was_registered", "was_noted"].randomElement(using: &random)!,
                data: ["email": .string("\(subject)@example.com"), "n": .int(Int.random(in: 0...999, using: &random))])
            if Bool.random(using: &random) {
                event.personalData = PersonalData(subject: subject, fields: [PersonalField(path: ["email"])])
            }
            do {
                try await store.append([event], to: try StreamName("customer:\(Int.random(in: 0...5, using: &random))"))
            } catch let error as EventStoreError where error.code == .invalidArgument {
                // Personal data of a subject forgotten earlier in the run: refused, as it should be.
            }
            if Int.random(in: 0..<15, using: &random) == 0 {
                _ = try await store.forget(subject: subjects.randomElement(using: &random)!)
            }
        }
        let head = try await base.headPosition()
        await base.close()
        return head
    }

    enum Tampering: CaseIterable {
        case changeByte, delete, insert, swap
    }

    /// Changes the file past its triggers; returns the first position the chain must fail at.
    static func tamper(_ path: String, _ kind: Tampering, head: Int64, random: inout SeededGenerator) throws -> Int64 {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.write { db in
            try db.execute(
                sql: "DROP TRIGGER evident_events_are_never_changed; DROP TRIGGER evident_events_are_never_deleted")
            let position = Int64.random(in: 1...(head - 1), using: &random)
            switch kind {
            case .changeByte:
                let column = ["id", "stream", "version", "type", "recorded_at", "data", "metadata"].randomElement(
                    using: &random)!
                switch column {
                case "version", "recorded_at":
                    try db.execute(
                        sql: "UPDATE evident_events SET \(column) = \(column) + 100000 WHERE position = ?",
                        arguments: [position])
                case "id":
                    var id = try Data.fetchOne(
                        db, sql: "SELECT id FROM evident_events WHERE position = ?", arguments: [position])!
                    id[Int.random(in: 0..<16, using: &random)] ^= 0x01
                    try db.execute(
                        sql: "UPDATE evident_events SET id = ? WHERE position = ?", arguments: [id, position])
                default:
                    var text = Array(
                        try String.fetchOne(
                            db, sql: "SELECT \(column) FROM evident_events WHERE position = ?", arguments: [position])!
                            .utf8)
                    let index = Int.random(in: 0..<text.count, using: &random)
                    text[index] = text[index] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
                    try db.execute(
                        sql: "UPDATE evident_events SET \(column) = ? WHERE position = ?",
                        arguments: [String(decoding: text, as: UTF8.self), position])
                }
                return position
            case .delete:
                try db.execute(sql: "DELETE FROM evident_events WHERE position = ?", arguments: [position])
                return position
            case .insert:
                // A forged event at `position`, the later ones moved up by one, each keeping its stored hash.
                try db.execute(
                    sql: "UPDATE evident_events SET position = -position WHERE position >= ?", arguments: [position])
                try db.execute(sql: "UPDATE evident_events SET position = 1 - position WHERE position < 0")
                try db.execute(
                    sql: """
                        INSERT INTO evident_events (position, id, stream, category, version, type, data, metadata, recorded_at, hash)
                        SELECT ?, randomblob(16), stream, category, version + 1000, type, data, metadata, recorded_at, hash
                        FROM evident_events WHERE position = ?
                        """, arguments: [position, position + 1])
                return position
            case .swap:
                try db.execute(
                    sql: """
                        UPDATE evident_events SET position = CASE position WHEN ? THEN -1 ELSE position END WHERE position = ?;
                        UPDATE evident_events SET position = ? WHERE position = ?;
                        UPDATE evident_events SET position = ? WHERE position = -1;
                        """, arguments: [position, position, position, position + 1, position + 1])
                return position
            }
        }
    }

    @Test(
        "random logs with forgettings verify; any single change of each kind is caught where it was made",
        arguments: 0..<6)
    func randomLogs(seed: UInt64) async throws {
        let directory = try TemporaryDirectory()
        var random = SeededGenerator(seed: seed &* 7919 &+ 1)
        for kind in Tampering.allCases {
            let path = directory.file("\(kind).sqlite")
            let head = try await Self.randomLog(at: path, seed: seed)
            let store = try SQLiteEventStore(path: path)
            guard case .success(let verified) = try await LogVerifier.verify(store, pageSize: 7) else {
                Issue.record("an untouched log does not verify")
                return
            }
            #expect(verified.head == head && verified.events == Int(head))
            await store.close()
            let expected = try Self.tamper(path, kind, head: head, random: &random)
            let tampered = try SQLiteEventStore(path: path)
            let result = try await LogVerifier.verify(tampered, pageSize: 7)
            guard case .failure(let failure) = result else {
                Issue.record("\(kind) at \(expected) was not caught")
                continue
            }
            #expect(failure.position == expected, "\(kind): \(failure)")
            await tampered.close()
        }
    }

    @Test("the triggers refuse to change or delete events; the chain goes on across reopening")
    func triggers() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try SQLiteEventStore(path: path)
        try await store.append([NewEvent(type: "was_noted")], to: try StreamName("note:1"))
        await store.close()
        let queue = try DatabaseQueue(path: path)
        #expect(throws: DatabaseError.self) {
            try queue.write { try $0.execute(sql: "UPDATE evident_events SET type = 'x'") }
        }
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: "DELETE FROM evident_events") } }
        try queue.close()
        let reopened = try SQLiteEventStore(path: path)
        try await reopened.append([NewEvent(type: "was_noted")], to: try StreamName("note:1"))
        guard case .success(let verified) = try await LogVerifier.verify(reopened) else {
            Issue.record("the chain broke across reopening")
            return
        }
        #expect(verified.events == 2)
        let events = try await reopened.readStream(try StreamName("note:1"))
        #expect(events.last?.hash == verified.hash)
    }
}
