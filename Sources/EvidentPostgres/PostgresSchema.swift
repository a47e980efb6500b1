import Evident
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Evident's tables in their own PostgreSQL schema, created by named migrations applied in order. Never edit
/// a shipped migration: add one.
struct PostgresSchema: Sendable {
    /// One named step of the schema; `sql` names the schema `{s}`, replaced by its name.
    struct Migration: Sendable {
        var identifier: String
        var sql: String

        /// The statements of `sql`, each ending with `;` at the end of a line outside `$$` quotes (a function's
        /// body keeps its own).
        var statements: [String] {
            var statements: [String] = []
            var current = ""
            for (index, part) in sql.components(separatedBy: "$$").enumerated() {
                if index > 0 { current += "$$" }
                guard index.isMultiple(of: 2) else {
                    current += part
                    continue
                }
                let pieces = part.components(separatedBy: ";\n")
                current += pieces[0]
                for piece in pieces.dropFirst() {
                    statements.append(current)
                    current = piece
                }
            }
            statements.append(current)
            return statements.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        }
    }

    /// Every migration, in the order they apply.
    static let migrations = [
        Migration(
            identifier: "v1: events, log head, idempotency keys",
            sql: """
                CREATE TABLE {s}.log_head (
                    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
                    position bigint NOT NULL,
                    recorded_at bigint NOT NULL
                );
                INSERT INTO {s}.log_head (position, recorded_at) VALUES (0, 0);
                CREATE TABLE {s}.events (
                    position bigint PRIMARY KEY,
                    id uuid NOT NULL,
                    stream text NOT NULL,
                    category text NOT NULL,
                    version integer NOT NULL,
                    type text NOT NULL,
                    data text NOT NULL,
                    metadata text NOT NULL,
                    recorded_at bigint NOT NULL,
                    UNIQUE (stream, version)
                );
                CREATE TABLE {s}.idempotency_keys (
                    key text PRIMARY KEY,
                    fingerprint text NOT NULL,
                    result text NOT NULL,
                    recorded_at bigint NOT NULL
                );
                """),
        Migration(
            identifier: "v2: snapshots, projection checkpoints, parked events",
            sql: """
                CREATE TABLE {s}.snapshots (
                    stream text PRIMARY KEY,
                    version integer NOT NULL,
                    schema_version integer NOT NULL,
                    state text NOT NULL,
                    saved_at bigint NOT NULL
                );
                CREATE TABLE {s}.checkpoints (
                    consumer text PRIMARY KEY,
                    position bigint NOT NULL,
                    updated_at bigint NOT NULL
                );
                CREATE TABLE {s}.parked_events (
                    consumer text NOT NULL,
                    position bigint NOT NULL,
                    event_id uuid NOT NULL,
                    stream text NOT NULL,
                    type text NOT NULL,
                    error text NOT NULL,
                    attempts integer NOT NULL,
                    parked_at bigint NOT NULL,
                    PRIMARY KEY (consumer, position)
                );
                """),
        Migration(
            identifier: "v3: data subject keys",
            // Keyed by the subject's hash: the id itself is never stored.
            sql: """
                CREATE TABLE {s}.subject_keys (
                    subject_hash text PRIMARY KEY,
                    key_id uuid NOT NULL UNIQUE,
                    material bytea,
                    created_at bigint NOT NULL,
                    forgotten_at bigint,
                    receipt_position bigint
                );
                """),
        Migration(identifier: "v4: hash chain, and events that cannot be changed or deleted", sql: hashChain),
        Migration(identifier: "v5: append_batch, a batch of appends in one statement", sql: appendBatchFunction),
        Migration(
            identifier: "v6: the stream-length limit spares system streams", sql: appendBatchSparingSystemStreams),
        Migration(
            identifier: "v7: indexes for listing a category's streams and finding events by target",
            // Streams are listed in byte order (COLLATE "C"), the same in every store and whatever the database's
            // collation. The target's expressions are those of `PostgresEventStore.targetCondition`; json rather
            // than jsonb, which refuses some texts json accepts (`\u0000`), so no stored metadata can fail it.
            sql: """
                CREATE INDEX events_category_stream ON {s}.events (category, stream COLLATE "C", version);
                CREATE INDEX events_target ON {s}.events (
                    (metadata::json -> 'target' ->> 'type'), (metadata::json -> 'target' ->> 'id'), position);
                """),
        Migration(
            identifier: "v8: nodes, the server processes serving the schema",
            // Times in Unix milliseconds, as everywhere else in the schema.
            sql: """
                CREATE TABLE {s}.nodes (
                    id uuid PRIMARY KEY,
                    address text NOT NULL,
                    version text NOT NULL,
                    started_at bigint NOT NULL,
                    last_seen_at bigint NOT NULL
                );
                """),
        Migration(
            identifier: "v9: append_batch checks the subject keys an append seals with",
            sql: appendBatchCheckingSubjectKeys),
    ]

    /// The schema's name, checked to be a plain identifier (see ``PostgresStoreConfiguration/isIdentifier(_:)``).
    let name: String
    private let qualified = QualifiedStatements()

    init(name: String) {
        self.name = name
    }

    /// `sql` with the placeholder `{s}.` replaced by the schema's name.
    ///
    /// Remembered: Foundation's `replacingOccurrences` made a tenth of a single append's time (`perf`). The texts
    /// are this module's own statements, a few dozen at most, so the memory stays small without a limit.
    func qualify(_ sql: String) -> String {
        if let known = qualified.statements.withLock({ $0[sql] }) { return known }
        let result = sql.replacingOccurrences(of: "{s}.", with: "\(name).")
        qualified.statements.withLock { $0[sql] = result }
        return result
    }

    /// Checks the schema and applies the migrations it lacks, in one transaction under an advisory lock, so
    /// that several processes opening one database at once neither apply a migration twice nor see a half-made
    /// schema. On a read-only server (a streaming replica) it only checks.
    ///
    /// Refuses, changing nothing: a schema that holds tables but no migrations of Evident's (someone else's),
    /// a schema with migrations this version does not know (a newer Evident), and on a replica a schema that is
    /// missing or out of date after `replicaWait`, and, unless `create`, a schema that is missing. Returns
    /// whether the server is a replica.
    func prepare(
        _ connection: PostgresConnection, create: Bool, replicaWait: Duration, logger: Logger, description: String
    ) async throws -> Bool {
        let inRecovery =
            try await connection.query("SELECT pg_is_in_recovery()", logger: logger)
            .decode(Bool.self).first { _ in true } ?? false
        if inRecovery {
            // A replica may not have replayed the schema's creation yet: give it until `replicaWait`.
            let deadline = ContinuousClock.now + replicaWait
            while try await check(connection, logger: logger, description: description) != .current {
                guard ContinuousClock.now < deadline else {
                    throw EventStoreError(
                        code: .incompatibleDatabase,
                        message: "The schema \(name) on the replica \(description) is missing or out of date; "
                            + "open the primary with this version of Evident first.")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return true
        }
        switch try await check(connection, logger: logger, description: description) {
        case .current: return false
        case .missing where !create:
            throw EventStoreError.invalidArgument("No Evident schema \(name) in \(description).")
        case .missing, .outdated: break
        }
        try await connection.transaction(logger: logger) {
            try await lockChanges(connection, logger: logger)
            _ = try await check(connection, logger: logger, description: description)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(name)"), logger: logger)
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: qualify(
                        """
                        CREATE TABLE IF NOT EXISTS {s}.migrations (
                            identifier text PRIMARY KEY,
                            applied_at timestamptz NOT NULL DEFAULT now()
                        )
                        """)), logger: logger)
            let applied = try await appliedMigrations(connection, logger: logger)
            for migration in Self.migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: qualify(statement)), logger: logger)
                }
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: qualify("INSERT INTO {s}.migrations (identifier) VALUES ($1)"),
                        binds: bindings(migration.identifier)), logger: logger)
            }
        }
        return false
    }

    /// Takes the schema's advisory lock until the end of the transaction, so that the changes of several
    /// processes (migrations, projections' tables) run one at a time: the others wait here, then find the work
    /// done.
    func lockChanges(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended(\("evident schema " + name), 0))", logger: logger)
    }

    /// Creates the tables of `projections` that are missing, one process at a time; in a transaction.
    func prepareTables(of projections: [any PostgresProjection], on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await lockChanges(connection, logger: logger)
        for projection in projections { try await projection.prepare(connection, logger: logger) }
    }

    /// What a schema holds of Evident's tables.
    private enum State {
        case missing, outdated, current
    }

    /// Refuses a schema that is not Evident's or is newer; says whether it is missing, or whether every migration
    /// has been applied.
    private func check(_ connection: PostgresConnection, logger: Logger, description: String) async throws -> State {
        let tables = try await connection.query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \(name)", logger: logger
        ).decode(String.self).reduce(into: Set<String>()) { $0.insert($1) }
        guard tables.contains("migrations") else {
            guard tables.isEmpty else {
                throw EventStoreError(
                    code: .incompatibleDatabase,
                    message: "The schema \(name) in \(description) holds tables that are not Evident's; "
                        + "choose another schema with ?schema=NAME.")
            }
            return .missing
        }
        let applied = try await appliedMigrations(connection, logger: logger)
        let known = Set(Self.migrations.map(\.identifier))
        guard applied.isSubset(of: known) else {
            throw EventStoreError(
                code: .incompatibleDatabase,
                message: "The schema \(name) in \(description) was written by a newer version of Evident; "
                    + "upgrade Evident to open it.")
        }
        return applied == known ? .current : .outdated
    }

    private func appliedMigrations(_ connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        try await connection.query(
            PostgresQuery(unsafeSQL: qualify("SELECT identifier FROM {s}.migrations")), logger: logger
        ).decode(String.self).reduce(into: Set<String>()) { $0.insert($1) }
    }
}

/// The statements a ``PostgresSchema`` has qualified, by their text with the placeholder.
private final class QualifiedStatements: Sendable {
    let statements = Mutex<[String: String]>([:])
}

/// Bindings for a query written with `unsafeSQL` (schema-qualified names cannot be bound).
func bindings(_ values: any PostgresDynamicTypeEncodable...) -> PostgresBindings {
    var bindings = PostgresBindings(capacity: values.count)
    for value in values { bindings.append(value) }
    return bindings
}
