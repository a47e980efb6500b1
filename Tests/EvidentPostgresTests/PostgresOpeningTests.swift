import Evident
import EvidentPostgres
import EvidentTesting
import Testing

@Suite("PostgreSQL store URLs")
struct PostgresURLTests {
    @Test("a full URL")
    func fullURL() throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgresql://app%40x:s%3Acret@db.internal:6543/events?sslmode=require&schema=ledger&pool_size=4"
                + "&statement_timeout=2.5&connect_timeout=7")
        #expect(configuration.username == "app@x")
        #expect(configuration.password == "s:cret")
        #expect(configuration.host == "db.internal")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "events")
        #expect(configuration.tls == .require)
        #expect(configuration.schema == "ledger")
        #expect(configuration.maximumConnections == 4)
        #expect(configuration.statementTimeout == .milliseconds(2_500))
        #expect(configuration.connectTimeout == .seconds(7))
        #expect(!configuration.description.contains("cret"))
    }

    @Test("a Unix socket directory")
    func socket() throws {
        let configuration = try PostgresStoreConfiguration(url: "postgres://evident@/app?host=/run/pg")
        #expect(configuration.host == nil)
        #expect(configuration.socketPath == "/run/pg/.s.PGSQL.5432")
        #expect(configuration.schema == "evident")
    }

    @Test(
        "bad URLs say what a good one looks like, without the password",
        arguments: [
            "mysql://u:secret@h/db", "postgres://h/db", "postgres://u:secret@h",
            "postgres://u:secret@h/db?sslmode=always",
            "postgres://u:secret@h/db?schema=Bad-Name", "postgres://u:secret@h/db?colour=blue",
            "postgres://u:secret@/db", "postgres://u:secret@h/db?host=relative", "postgres://u:secret@h/db?pool_size=0",
            "postgres://u:secret@h/db?statement_timeout=forever", "postgres://u:secret@h/db?schema=a&schema=b",
        ])
    func badURLs(_ url: String) {
        #expect {
            _ = try PostgresStoreConfiguration(url: url)
        } throws: { error in
            let message = "\(error)"
            return message.contains("postgres://user:password@host:port/database") && !message.contains("secret")
                && !message.contains("\n")
        }
    }
}

@Suite("PostgresEventStore opening", .enabled(if: PostgresTestServer.isEnabled))
struct PostgresOpeningTests {
    @Test("several stores opening one new schema at once all succeed and share the log")
    func concurrentOpening() async throws {
        try await PostgresStores.with { stores in
            let url = try PostgresTestServer.freshURL()
            let opened = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
                for _ in 0..<4 { group.addTask { try await stores.open(url: url) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for (index, store) in opened.enumerated() {
                try await store.append([NewEvent(type: "was_opened")], to: StreamName("store:\(index)"))
            }
            #expect(try await opened[0].headPosition() == 4)
        }
    }

    @Test("a schema with someone else's tables is refused and left unchanged")
    func foreignSchema() async throws {
        try await PostgresStores.with { stores in
            let url = try PostgresTestServer.freshURL()
            let first = try await stores.open(url: url)
            try await first.execute(unsafeSQL: "DROP TABLE \(first.configuration.schema).migrations")
            try await first.execute(unsafeSQL: "CREATE TABLE \(first.configuration.schema).customers (id int)")
            await #expect {
                _ = try await stores.open(url: url)
            } throws: { error in
                (error as? EventStoreError)?.code == .incompatibleDatabase && "\(error)".contains("not Evident's")
            }
            #expect(try await first.headPosition() == 0)
        }
    }

    @Test("a schema written by a newer Evident is refused")
    func newerSchema() async throws {
        try await PostgresStores.with { stores in
            let url = try PostgresTestServer.freshURL()
            let first = try await stores.open(url: url)
            try await first.execute(
                unsafeSQL:
                    "INSERT INTO \(first.configuration.schema).migrations (identifier) VALUES ('v99: the future')")
            await #expect {
                _ = try await stores.open(url: url)
            } throws: { error in
                (error as? EventStoreError)?.code == .incompatibleDatabase && "\(error)".contains("newer version")
            }
        }
    }

    @Test("without createIfMissing, a missing schema is refused and not created")
    func missingSchema() async throws {
        try await PostgresStores.with { stores in
            let url = try PostgresTestServer.freshURL()
            await #expect {
                _ = try await stores.open(url: url) { $0.createIfMissing = false }
            } throws: { error in
                (error as? EventStoreError)?.code == .invalidArgument && "\(error)".contains("No Evident schema")
            }
            // Still missing: a store that creates it finds an empty log, and then one that does not create opens it.
            #expect(try await stores.open(url: url).headPosition() == 0)
            #expect(try await stores.open(url: url) { $0.createIfMissing = false }.headPosition() == 0)
        }
    }

    @Test("a server that does not answer fails with unavailable, without the password")
    func unreachable() async throws {
        var configuration = try PostgresStoreConfiguration(url: "postgres://evident:hunter2@127.0.0.1:1/evident")
        configuration.connectTimeout = .milliseconds(500)
        configuration.statementTimeout = .milliseconds(500)
        await #expect {
            _ = try await PostgresEventStore.connect(configuration)
        } throws: { error in
            (error as? EventStoreError)?.code == .unavailable && !"\(error)".contains("hunter2")
        }
    }

    @Test("a database that does not exist is named in the error")
    func missingDatabase() async throws {
        let url = try PostgresTestServer.url()
        let other =
            url.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            + "/no_such_database?connect_timeout=60"  // the busy test machine may take seconds to connect
        await #expect {
            _ = try await PostgresEventStore.connect(try PostgresStoreConfiguration(url: other))
        } throws: { error in
            (error as? EventStoreError)?.code == .invalidArgument && "\(error)".contains("does not exist")
        }
    }
}
