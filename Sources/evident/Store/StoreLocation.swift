import ArgumentParser
import Evident
import EvidentPostgres
import EvidentSQLite
import Foundation
import Logging

/// Where a command's events are: a SQLite file or a PostgreSQL database, as `--store URL`, `--db PATH` or
/// `EVIDENT_STORE` name it. Its ``description`` names it in messages, never with a password.
enum StoreLocation: Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresStoreConfiguration)

    static let defaultPath = "./evident.sqlite"

    /// What a store URL looks like, for error messages and help.
    static let urlForms = "sqlite:PATH or a plain path for SQLite, or \(PostgresStoreConfiguration.urlForm)"

    /// Reads a store URL: `postgres://…` or `postgresql://…`, `sqlite:PATH`, or a plain path. Fails with a
    /// one-line message that says what a good URL looks like and never repeats the URL (it may hold a password).
    init(url: String) throws(ValidationError) {
        func fail(_ problem: String) -> ValidationError {
            ValidationError("\(problem); expected \(Self.urlForms).")
        }
        guard !url.isEmpty else { throw fail("The store URL is empty") }
        let scheme = url.firstIndex(of: ":").map { url[..<$0].lowercased() }
        switch scheme {
        case "postgres", "postgresql":
            guard url.dropFirst(scheme!.count).hasPrefix("://"), URLComponents(string: url) != nil else {
                throw fail(
                    "The PostgreSQL URL is malformed (write it as postgres://…, and percent-encode characters such "
                        + "as @, / or : in the user and password, @ as %40)")
            }
            do {
                self = .postgres(try PostgresStoreConfiguration(url: url))
            } catch {
                throw ValidationError(error.message)
            }
        case "sqlite":
            var path = url.dropFirst("sqlite:".count)
            if path.hasPrefix("//") {
                // sqlite:///data/evident.sqlite, as other tools write it; sqlite://x would name a host.
                guard path.hasPrefix("///") else {
                    throw fail("sqlite:// must be followed by an absolute path (sqlite:///data/evident.sqlite)")
                }
                path = path.dropFirst(2)
            }
            guard !path.isEmpty else { throw fail("sqlite: names no file") }
            self = .sqlite(path: String(path))
        case let scheme? where url.dropFirst(scheme.count).hasPrefix("://"):
            throw fail("Evident stores no events in '\(scheme)://'")
        default:
            self = .sqlite(path: url)
        }
    }

    /// The store that the flags name, else the environment, else `./evident.sqlite`. `dbVariable` names an
    /// environment variable that holds a SQLite path, read after `EVIDENT_STORE` (`serve`'s `EVIDENT_DB`).
    static func resolve(
        store: String?, db: String?, environment: [String: String], dbVariable: String? = nil
    ) throws(ValidationError) -> StoreLocation {
        func parse(_ url: String, from source: String) throws(ValidationError) -> StoreLocation {
            do {
                return try StoreLocation(url: url)
            } catch {
                throw ValidationError("\(source): \(error.message)")
            }
        }
        switch (store, db) {
        case (_?, _?):
            throw ValidationError("Give the store once: --store URL or --db PATH, not both.")
        case (let url?, nil):
            return try parse(url, from: "--store")
        case (nil, let path?):
            return .sqlite(path: path)
        case (nil, nil):
            let url = environment["EVIDENT_STORE"].flatMap { $0.isEmpty ? nil : $0 }
            let path = dbVariable.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
            switch (url, path) {
            case (_?, _?):
                throw ValidationError("EVIDENT_STORE and \(dbVariable!) are both set; unset one.")
            case (let url?, nil): return try parse(url, from: "EVIDENT_STORE")
            case (nil, let path?): return .sqlite(path: path)
            case (nil, nil): return .sqlite(path: defaultPath)
            }
        }
    }

    /// The path of a SQLite file, or the URL of a PostgreSQL database without its password.
    var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let configuration): configuration.description
        }
    }

    /// The options that name this store on a command line, for messages that suggest a command.
    var commandLineOption: String {
        switch self {
        case .sqlite(let path): "--db \(path)"
        case .postgres(let configuration): "--store '\(configuration)'"
        }
    }

    /// Opens the store, lends it to `body`, and closes it afterwards, also when `body` throws: queued appends
    /// are committed and connections closed before the command exits. A command that only reads does not
    /// create a missing SQLite file or PostgreSQL schema.
    func withStore<T>(
        creating: Bool, maximumStreamLength: Int? = nil,
        logger: Logger = Logger(label: "evident", factory: { _ in SwiftLogNoOpLogHandler() }),
        _ body: (OpenedStore) async throws -> T
    ) async throws -> T {
        let opened = try await open(creating: creating, maximumStreamLength: maximumStreamLength, logger: logger)
        let result: T
        do {
            result = try await body(opened)
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
        return result
    }

    private func open(creating: Bool, maximumStreamLength: Int?, logger: Logger) async throws -> OpenedStore {
        switch self {
        case .sqlite(let path):
            var configuration = SQLiteEventStoreConfiguration()
            configuration.createIfMissing = creating
            configuration.maximumStreamLength = maximumStreamLength
            return .sqlite(try SQLiteEventStore(path: path, configuration: configuration, logger: logger))
        case .postgres(var configuration):
            configuration.createIfMissing = creating
            configuration.maximumStreamLength = maximumStreamLength
            return .postgres(try await PostgresEventStore.connect(configuration, logger: logger))
        }
    }
}
