import Foundation

/// Where a ``PostgresEventStore`` connects and how it behaves, usually read from a URL:
///
/// ```
/// postgres://user:password@host:5432/database?schema=evident&sslmode=prefer
/// postgresql://user@/database?host=/var/run/postgresql        (a Unix socket directory)
/// ```
///
/// ``description`` never shows the password.
public struct PostgresStoreConfiguration: Sendable, CustomStringConvertible {
    /// How the connection uses TLS, as libpq's `sslmode` says it.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// Never.
        case disable
        /// When the server offers it, without checking its certificate.
        case prefer
        /// Always, without checking the server's certificate.
        case require
        /// Always, checking the certificate and that it names the host.
        case verifyFull = "verify-full"
    }

    /// The server's host name or address; nil with ``socketDirectory``.
    public var host: String?
    public var port: Int
    /// The directory of the server's Unix socket (`?host=/dir` in a URL), used instead of TCP when set.
    public var socketDirectory: String?
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The schema that holds Evident's tables, created by the first store that opens it.
    public var schema: String

    /// Create the schema when it does not exist; off, connecting to a missing schema fails (for tools that only
    /// read, so a mistyped `?schema=` creates nothing).
    public var createIfMissing = true
    /// Refuse an append that would make a stream longer than this; nil for no limit.
    public var maximumStreamLength: Int?
    /// At most this many appends share one transaction (group commit).
    public var maximumAppendsPerCommit = 256
    /// The connection pool's size: at most this many statements run at once, the others queue.
    public var maximumConnections = 16
    /// A statement that runs longer is cancelled by the server (`statement_timeout`), so one slow read cannot
    /// hold a connection for long.
    public var statementTimeout: Duration = .seconds(30)
    /// How often a waiting reader looks at the log's head when no notification of an append came, in case one
    /// was lost (a store on a replica, which gets none, looks every 25 ms).
    public var pollInterval: Duration = .seconds(1)
    /// How long to wait for a connection to the server (or from the pool): past it a call fails with
    /// `unavailable`, so callers are not held while the server is down.
    public var connectTimeout: Duration = .seconds(5)
    /// Projections that run inside the transaction of every append (each append in its own savepoint): their
    /// read model is never behind the log, and one that throws fails only the append that ran it. Their tables
    /// are prepared when the store connects. Every store that appends to the schema must list them.
    public var inlineProjections: [any PostgresProjection] = []

    public init(
        host: String? = "127.0.0.1", port: Int = 5432, socketDirectory: String? = nil, username: String,
        password: String? = nil, database: String, tls: TLSMode = .prefer, schema: String = "evident"
    ) {
        self.host = host
        self.port = port
        self.socketDirectory = socketDirectory
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.schema = schema
    }

    /// What a store URL looks like, for error messages.
    public static let urlForm =
        "postgres://user:password@host:port/database (or postgresql://…), with optional "
        + "?host=/socket/dir, sslmode=disable|prefer|require|verify-full, schema=NAME, pool_size=N, "
        + "connect_timeout=SECONDS and statement_timeout=SECONDS"

    /// Reads a `postgres://` or `postgresql://` URL. Fails with a one-line message that says what a good URL
    /// looks like and never repeats the password.
    public init(url: String) throws(PostgresURLError) {
        func fail(_ problem: String) -> PostgresURLError {
            PostgresURLError(message: "\(problem); expected \(Self.urlForm).")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else {
            throw fail("Not a PostgreSQL URL (it must start with postgres:// or postgresql://)")
        }
        guard let username = components.user, !username.isEmpty else { throw fail("The URL names no user") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw fail("The URL names no database") }
        self.init(
            host: components.host.flatMap { $0.isEmpty ? nil : $0 }, port: components.port ?? 5432,
            username: username, password: components.password, database: database)
        var seen = Set<String>()
        for item in components.queryItems ?? [] {
            guard seen.insert(item.name).inserted else { throw fail("The URL gives '\(item.name)' twice") }
            let value = item.value ?? ""
            switch item.name {
            case "host":
                guard value.hasPrefix("/") else {
                    throw fail("?host= must be a socket directory, an absolute path (got '\(value)')")
                }
                socketDirectory = value
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw fail("sslmode must be disable, prefer, require or verify-full (got '\(value)')")
                }
                tls = mode
            case "schema":
                guard Self.isIdentifier(value) else {
                    throw fail(
                        "schema must be 1 to 48 lowercase letters, digits or underscores, starting with a letter "
                            + "(got '\(value)')")
                }
                schema = value
            case "pool_size":
                guard let size = Int(value), (1...1_000).contains(size) else {
                    throw fail("pool_size must be a number of connections from 1 to 1000 (got '\(value)')")
                }
                maximumConnections = size
            case "connect_timeout":
                guard let seconds = Double(value), seconds.isFinite, seconds >= 0.001, seconds <= 3_600 else {
                    throw fail("connect_timeout must be a number of seconds from 0.001 to 3600 (got '\(value)')")
                }
                connectTimeout = .milliseconds(Int64((seconds * 1_000).rounded()))
            case "statement_timeout":
                guard let seconds = Double(value), seconds.isFinite, seconds >= 0.001, seconds <= 86_400 else {
                    throw fail("statement_timeout must be a number of seconds from 0.001 to 86400 (got '\(value)')")
                }
                statementTimeout = .milliseconds(Int64((seconds * 1_000).rounded()))
            default:
                throw fail("Unknown URL parameter '\(item.name)'")
            }
        }
        guard host != nil || socketDirectory != nil else {
            throw fail("The URL names no host (give one, or ?host=/socket/dir)")
        }
        if socketDirectory != nil, tls != .prefer, tls != .disable {
            throw fail("sslmode=\(tls.rawValue) needs TCP, not a Unix socket")
        }
    }

    /// The path of the server's socket file in ``socketDirectory``, as libpq names it.
    public var socketPath: String? {
        socketDirectory.map { "\($0)/.s.PGSQL.\(port)" }
    }

    /// The URL without its password.
    public var description: String {
        let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        let secret = password == nil ? "" : ":***"
        let query = [socketDirectory.map { "host=\($0)" }, "schema=\(schema)", "sslmode=\(tls.rawValue)"]
            .compactMap { $0 }.joined(separator: "&")
        return "postgres://\(user)\(secret)@\(host ?? ""):\(port)/\(database)?\(query)"
    }

    /// Whether `name` is safe to write unquoted in SQL as a schema name, short enough to name the schema's
    /// notification channel too (PostgreSQL's identifiers have at most 63 bytes).
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first), name.utf8.count <= 48 else {
            return false
        }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}

/// A store URL that cannot be used; its message says what a good one looks like.
public struct PostgresURLError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
