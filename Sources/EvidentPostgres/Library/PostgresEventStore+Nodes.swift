public import Evident
public import Foundation
import PostgresNIO

/// The `nodes` table: each `evident serve` process on the schema upserts its row on a heartbeat.
extension PostgresEventStore: NodeRegistry {
    public func recordNode(_ node: NodeRecord) async throws {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                """
                INSERT INTO {s}.nodes (id, address, version, started_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (id) DO UPDATE SET address = excluded.address, version = excluded.version,
                    started_at = excluded.started_at, last_seen_at = excluded.last_seen_at
                """),
            binds: bindings(
                node.id, node.address, node.version, node.startedAt.unixMilliseconds,
                node.lastSeenAt.unixMilliseconds))
        try await withConnection { [logger] in _ = try await $0.query(query, logger: logger) }
    }

    public func removeNode(id: UUID) async throws {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("DELETE FROM {s}.nodes WHERE id = $1"), binds: bindings(id))
        try await withConnection { [logger] in _ = try await $0.query(query, logger: logger) }
    }

    public func pruneNodes(seenBefore date: Date) async throws {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify("DELETE FROM {s}.nodes WHERE last_seen_at < $1"),
            binds: bindings(date.unixMilliseconds))
        try await withConnection { [logger] in _ = try await $0.query(query, logger: logger) }
    }

    public func nodes() async throws -> [NodeRecord] {
        let query = PostgresQuery(
            unsafeSQL: schema.qualify(
                "SELECT id, address, version, started_at, last_seen_at FROM {s}.nodes ORDER BY started_at, id"))
        return try await withConnection { [logger] connection in
            var nodes: [NodeRecord] = []
            for try await (id, address, version, started, seen) in try await connection.query(query, logger: logger)
                .decode((UUID, String, String, Int64, Int64).self)
            {
                nodes.append(
                    NodeRecord(
                        id: id, address: address, version: version, startedAt: Date(unixMilliseconds: started),
                        lastSeenAt: Date(unixMilliseconds: seen)))
            }
            return nodes
        }
    }
}
