import EvidentPostgres
import EvidentTesting
import Foundation
import Testing

@testable import evident

/// `--store URL`, `--db PATH` and `EVIDENT_STORE`: which store a command opens, and the errors for bad ones.
@Suite("store URLs", .onBlockingThreads)
struct StoreURLTests {
    static let goodForm = "postgres://user:password@host:port/database"

    @Test(
        "sqlite:PATH, sqlite:///PATH and a plain path name a SQLite file",
        arguments: [
            ("sqlite:data/events.sqlite", "data/events.sqlite"), ("sqlite:///srv/e.sqlite", "/srv/e.sqlite"),
            ("events.sqlite", "events.sqlite"), ("/tmp/a:b/e.sqlite", "/tmp/a:b/e.sqlite"),
            ("./evident.sqlite", "./evident.sqlite"),
        ])
    func sqliteURLs(_ url: String, path: String) throws {
        #expect(try StoreLocation(url: url) == .sqlite(path: path))
    }

    @Test("postgres:// and postgresql:// name a PostgreSQL database, described without the password")
    func postgresURLs() throws {
        let location = try StoreLocation(url: "postgresql://app:s3cret@db.internal:6543/events?schema=ledger")
        guard case .postgres(let configuration) = location else {
            Issue.record("not PostgreSQL: \(location)")
            return
        }
        #expect(configuration.host == "db.internal" && configuration.port == 6543 && configuration.schema == "ledger")
        #expect(configuration.password == "s3cret")
        #expect(!location.description.contains("s3cret") && !location.commandLineOption.contains("s3cret"))
        #expect(
            try StoreLocation(url: "POSTGRES://app@/events?host=/run/pg")
                == .postgres(
                    PostgresStoreConfiguration(
                        host: nil, socketDirectory: "/run/pg", username: "app", database: "events")))
    }

    @Test(
        "a bad URL gets one line that says what a good one looks like, without the password",
        arguments: [
            "", "sqlite:", "sqlite://host/e.sqlite", "mysql://u:s3cret@h/db", "http://u:s3cret@h/db",
            "postgres:/u:s3cret@h/db", "postgres://u:s3cret@h", "postgres://:s3cret@h/db",
            "postgres://u:s3cret@h/db?sslmode=always", "postgres://u:s3cret@h/db?password=s3cret",
            "postgresql://u:s3cret@h/db?schema=Bad-Name", "postgres://u:s3/cret@h/db",
        ])
    func badURLs(_ url: String) {
        #expect {
            _ = try StoreLocation(url: url)
        } throws: { error in
            let message = "\(error)"
            return message.contains(Self.goodForm) && !message.contains("s3") && !message.contains("\n")
        }
    }

    @Test("flags win over EVIDENT_STORE; --db and --store together are refused; the default is ./evident.sqlite")
    func resolution() throws {
        let environment = ["EVIDENT_STORE": "sqlite:from-environment.sqlite"]
        #expect(try StoreLocation.resolve(store: nil, db: nil, environment: [:]) == .sqlite(path: "./evident.sqlite"))
        #expect(
            try StoreLocation.resolve(store: nil, db: nil, environment: environment)
                == .sqlite(path: "from-environment.sqlite"))
        #expect(
            try StoreLocation.resolve(store: nil, db: "flag.sqlite", environment: environment)
                == .sqlite(path: "flag.sqlite"))
        #expect(
            try StoreLocation.resolve(store: "sqlite:flag.sqlite", db: nil, environment: environment)
                == .sqlite(path: "flag.sqlite"))
        #expect(throws: (any Error).self) {
            try StoreLocation.resolve(store: "a.sqlite", db: "b.sqlite", environment: [:])
        }
        // serve also reads EVIDENT_DB, a SQLite path, but not together with EVIDENT_STORE.
        #expect(
            try StoreLocation.resolve(
                store: nil, db: nil, environment: ["EVIDENT_DB": "db.sqlite"], dbVariable: "EVIDENT_DB")
                == .sqlite(path: "db.sqlite"))
        #expect(throws: (any Error).self) {
            try StoreLocation.resolve(
                store: nil, db: nil, environment: environment.merging(["EVIDENT_DB": "db.sqlite"]) { $1 },
                dbVariable: "EVIDENT_DB")
        }
    }

    @Test("commands take --store sqlite:PATH, a plain path, --db and EVIDENT_STORE")
    func sqliteThroughTheBinary() throws {
        let directory = try TemporaryDirectory()
        let first = try EvidentBinary.run(
            ["append", "order:1", "was_placed", "--store", "sqlite:orders.sqlite"], in: directory.path)
        #expect(first.status == 0, "\(first.error)")
        #expect(FileManager.default.fileExists(atPath: directory.file("orders.sqlite")))
        let second = try EvidentBinary.run(
            ["append", "order:1", "was_paid"], in: directory.path, environment: ["EVIDENT_STORE": "orders.sqlite"])
        #expect(second.output == "order:1 v2 at position 2\n", "\(second.error)")
        let read = try EvidentBinary.run(["read", "order:1", "--db", "orders.sqlite"], in: directory.path)
        #expect(read.output.split(separator: "\n").count == 2, "\(read.error)")
        // A flag wins over the environment.
        let other = try EvidentBinary.run(
            ["info", "order:1", "--store", directory.file("orders.sqlite")], in: directory.path,
            environment: ["EVIDENT_STORE": "sqlite:elsewhere.sqlite"])
        #expect(other.output.hasPrefix("order:1: 2 events"), "\(other.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("evident.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("elsewhere.sqlite")))
    }

    @Test("a bad store on the command line exits 64 with one line, without the password, and creates nothing")
    func badStoreThroughTheBinary() throws {
        let directory = try TemporaryDirectory()
        let cases: [(arguments: [String], environment: [String: String], says: String)] = [
            (["append", "order:1", "was_placed", "--store", "postgres://ada:hunter2@db/"], [:], "--store: "),
            (
                ["read", "order:1"], ["EVIDENT_STORE": "postgres://ada:hunter2@db/app?sslmode=sometimes"],
                "EVIDENT_STORE: "
            ),
            (["log", "--store", "mysql://ada:hunter2@db/app"], [:], "--store: "),
            (["spec", "get", "--store", "a.sqlite", "--db", "b.sqlite"], [:], "--store URL or --db PATH, not both"),
            (["keys", "list", "--db", "a.sqlite", "--store", "postgres://ada:hunter2@db/app"], [:], "not both"),
            (["serve", "--store", "postgres://ada:hunter2@db"], [:], "--store: "),
            (["serve"], ["EVIDENT_STORE": "a.sqlite", "EVIDENT_DB": "b.sqlite"], "EVIDENT_STORE and EVIDENT_DB"),
            (["projection-worker", "--store", "postgres://ada:hunter2@db/app"], [:], "SQLite"),
            (["bench", "--store", "postgres://ada:hunter2@db/", "--baseline"], [:], "--store: "),
        ]
        for (arguments, environment, says) in cases {
            let result = try EvidentBinary.run(arguments, in: directory.path, environment: environment)
            #expect(result.status == 64, "\(arguments): \(result.error)")
            #expect(result.error.hasPrefix("error: ") && result.error.contains(says), "\(arguments): \(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(arguments): \(result.error)")
            #expect(!result.error.contains("hunter2") && !result.output.contains("hunter2"), "\(arguments)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a database that cannot be reached is named without its password; --help never shows EVIDENT_STORE")
    func unreachableDatabase() throws {
        let directory = try TemporaryDirectory()
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let unreachable = try EvidentBinary.run(
            ["read", "order:1", "--store", "postgres://ada:hunter2@127.0.0.1:1/app"], in: directory.path)
        #expect(unreachable.status == 1, "\(unreachable.error)")
        #expect(unreachable.error.contains("postgres://ada:***@127.0.0.1:1/app"), "\(unreachable.error)")
        #expect(!unreachable.error.contains("hunter2"))
        for command in [["append"], ["serve"], ["bench", "store"], ["spec", "put"]] {
            let help = try EvidentBinary.run(
                command + ["--help"], in: directory.path,
                environment: ["EVIDENT_STORE": "postgres://ada:hunter2@127.0.0.1:1/app"])
            #expect(help.status == 0 && help.output.contains("--store <url>"), "\(command): \(help.error)")
            #expect(!help.output.contains("hunter2"), "\(command)")
        }
    }
}

extension StoreLocation {
    /// Two locations are the same when they name the same file, or the same database and schema as the same user
    /// with the same settings (the configurations are not comparable as such: they hold inline projections).
    static func == (left: StoreLocation, right: StoreLocation) -> Bool {
        switch (left, right) {
        case (.sqlite(let a), .sqlite(let b)): a == b
        case (.postgres(let a), .postgres(let b)): a.description == b.description && a.password == b.password
        default: false
        }
    }
}
