import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import GRDB
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("SQLiteEventStore opening")
struct SQLiteOpeningTests {
    /// Opens `count` stores on `path` from as many threads, released together; returns what each open gave.
    func openConcurrently(_ path: String, count: Int) -> [Result<SQLiteEventStore, any Error>] {
        let results = Mutex<[Int: Result<SQLiteEventStore, any Error>]>([:])
        let ready = DispatchGroup()
        let done = DispatchGroup()
        let start = DispatchSemaphore(value: 0)
        for index in 0..<count {
            ready.enter()
            done.enter()
            Thread.detachNewThread {
                ready.leave()
                start.wait()
                let result = Result { try SQLiteEventStore(path: path) }
                results.withLock { $0[index] = result }
                done.leave()
            }
        }
        ready.wait()
        for _ in 0..<count { start.signal() }
        done.wait()
        return results.withLock { results in (0..<count).map { results[$0]! } }
    }

    @Test("stores opened at once on threads on one new file all open, 20 times")
    func concurrentOpens() async throws {
        let directory = try TemporaryDirectory()
        for round in 0..<20 {
            let path = directory.file("round-\(round).sqlite")
            let stores = try openConcurrently(path, count: 8).map { result in
                do { return try result.get() } catch { throw Failure("round \(round): \(String(reflecting: error))") }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        _ = try await store.append([NewEvent(type: "was_opened")], to: StreamName("s:\(index)"))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await stores[0].headPosition() == 8)
            let migrations = try await DatabaseQueue(path: path).read { db in
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            }
            #expect(
                migrations == [
                    "v1: events and idempotency keys", "v2: snapshots, projection checkpoints, parked events",
                    "v3: data subject keys", "v4: hash chain, and events that cannot be changed or deleted",
                    "v5: indexes for listing a category's streams and finding events by target",
                    "v6: listing from the stream index, targets in columns of their own",
                ])
        }
    }

    /// What an older Evident, which migrated step by step, may leave when it is stopped while creating a file.
    static let halfCreated: [(name: String, sql: String)] = [
        ("only the migrations table", "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)"),
        (
            "the first migration",
            """
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('v1: events and idempotency keys');
            CREATE TABLE evident_events (
                position INTEGER PRIMARY KEY, id BLOB NOT NULL, stream TEXT NOT NULL, category TEXT NOT NULL,
                version INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
                recorded_at INTEGER NOT NULL);
            CREATE UNIQUE INDEX evident_events_stream_version ON evident_events(stream, version);
            CREATE TABLE evident_idempotency_keys (
                key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, result TEXT NOT NULL, recorded_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """
        ),
    ]

    @Test("a file an older Evident stopped creating is Evident's, and opening finishes it", arguments: halfCreated)
    func finishesHalfCreatedFile(_ name: String, sql: String) async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("evident.sqlite")
        try await DatabaseQueue(path: path).write { db in try db.execute(sql: sql) }
        let store = try SQLiteEventStore(path: path)
        let stream = try StreamName("account:1")
        _ = try await store.append([NewEvent(type: "was_opened")], to: stream)
        try await store.saveSnapshot(Snapshot(stream: stream, version: 1, schemaVersion: 1, state: ["a": 1]))
        #expect(try await store.snapshot(of: stream)?.version == 1)
        #expect(try await store.readStream(stream).count == 1)
    }

    @Test("paths that cannot hold a database are refused with invalidArgument, and nothing is created")
    func refusesPathsThatAreNotFiles() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let fifo = directory.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        for path in ["/dev/null", folder, fifo, directory.file("missing/evident.sqlite"), ""] {
            let error = try #require(throws: EventStoreError.self) { try SQLiteEventStore(path: path) }
            #expect(error.code == .invalidArgument, "\(path): \(error)")
            #expect(!error.message.contains("\n") && error.message.contains(path.isEmpty ? "empty" : path))
            #expect(!FileManager.default.fileExists(atPath: path + "-journal"))
            #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
    }

    @Test("a foreign SQLite database is refused and left byte for byte unchanged")
    func refusesForeignDatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("foreign.sqlite")
        try DatabaseQueue(path: path).write { db in try db.execute(sql: "CREATE TABLE customers (id INTEGER)") }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = try #require(throws: EventStoreError.self) { try SQLiteEventStore(path: path) }
        #expect(error.code == .incompatibleDatabase)
        #expect(error.message == "\(path) is a SQLite database but not an Evident one (it has other tables).")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["foreign.sqlite"])
    }

    @Test("an Evident file in rollback-journal mode is switched to WAL by one of several openers at once")
    func switchesToWALOnce() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("evident.sqlite")
        _ = try await SQLiteEventStore(path: path).append([NewEvent(type: "was_opened")], to: StreamName("s:1"))
        let before = try await DatabaseQueue(path: path).writeWithoutTransaction { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
        }
        #expect(before == "delete")
        let stores = try openConcurrently(path, count: 8).map { try $0.get() }
        #expect(try await stores[7].headPosition() == 1)
        let mode = try await DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode")
        }
        #expect(mode == "wal")
    }

    @Test("a damaged file is refused with one line naming it, and left unchanged")
    func refusesDamagedFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("damaged.sqlite")
        let bytes = Data("SQLite format 3\0".utf8) + Data(repeating: 0xFF, count: 4_080)
        try bytes.write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: EventStoreError.self) { try SQLiteEventStore(path: path) }
        #expect(error.code == .incompatibleDatabase)
        #expect(error.message.hasPrefix("\(path) is not an Evident database") && !error.message.contains("\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["damaged.sqlite"])
    }

    @Test("a file from before v6 gets its targets copied into columns, finds them, and still verifies")
    func targetsOfAnOlderFile() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("evident.sqlite")
        let alice = EntityReference(type: "customer", id: "alice")
        let store = try SQLiteEventStore(path: path)
        for (stream, target) in [("order:1", alice), ("order:2", nil), ("invoice:1", alice)] {
            try await store.append(
                [NewEvent(type: "was_noted", data: [:], metadata: EventMetadata(target: target))],
                to: StreamName(stream))
        }
        await store.close()
        // Back to the schema v5 left: its indexes, no target columns.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(
                sql: """
                    DROP INDEX evident_events_target;
                    ALTER TABLE evident_events DROP COLUMN target_type;
                    ALTER TABLE evident_events DROP COLUMN target_id;
                    CREATE INDEX evident_events_category_stream ON evident_events(category, stream, version);
                    CREATE INDEX evident_events_target ON evident_events(
                        json_extract(metadata, '$.target.type'), json_extract(metadata, '$.target.id'));
                    DELETE FROM grdb_migrations WHERE identifier LIKE 'v6:%';
                    """)
        }
        let upgraded = try SQLiteEventStore(path: path)
        #expect(
            try await upgraded.readLog(after: 0, filter: LogFilter(target: alice), limit: 10).map(\.position) == [1, 3])
        #expect(
            try await upgraded.streams(inCategory: "order", after: nil, limit: 10, target: alice).map(\.stream.id) == [
                "1"
            ])
        guard case .success(let verified) = try await LogVerifier.verify(upgraded) else {
            Issue.record("the upgraded log does not verify")
            return
        }
        #expect(verified.events == 3)
        await upgraded.close()
        await #expect(throws: (any Error).self) {
            try await DatabaseQueue(path: path).write { db in
                try db.execute(sql: "UPDATE evident_events SET type = 'x'")
            }
        }
    }

    @Test("a database written by a newer Evident is refused")
    func refusesNewerSchema() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("evident.sqlite")
        _ = try SQLiteEventStore(path: path)
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99: from the future')")
        }
        let error = try #require(throws: EventStoreError.self) { try SQLiteEventStore(path: path) }
        #expect(error.code == .incompatibleDatabase)
        #expect(error.message.contains("newer version of Evident"))
    }

    @Test("read-only, an empty file is refused, and stays empty")
    func readOnlyEmptyFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("evident.sqlite")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        var configuration = SQLiteEventStoreConfiguration()
        configuration.readOnly = true
        let error = try #require(throws: EventStoreError.self) {
            try SQLiteEventStore(path: path, configuration: configuration)
        }
        #expect(error.code == .incompatibleDatabase)
        #expect(error.message.contains("a read-only store cannot make"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
    }
}

/// An error whose description is the given text, to report the details of another.
private struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
