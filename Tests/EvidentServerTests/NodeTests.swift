import Evident
import EvidentPostgres
import EvidentServer
import HTTPTypes
import EvidentTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@Suite("HTTP API: nodes")
struct NodeTests {
    @Test("GET /_nodes lists this node with its id, address, version, times, self and alive", arguments: StoreKind.all)
    func thisNode(_ kind: StoreKind) async throws {
        let clock = TestClock()
        let server = try await TestServer(kind, configuration: clock.configuration)
        let node = server.server.node
        node.bound(to: "127.0.0.1:8123")
        let heartbeat = server.server.nodeHeartbeat(logger: Logger(label: "test"))
        // PostgreSQL keeps a record of nodes; a SQLite file, served by one process, needs none.
        #expect((heartbeat != nil) == (kind == .postgres))
        try await heartbeat?.beat()
        clock.advance(5)
        try await server.test { client in
            let answer = try await client.get("/_nodes")
            #expect(answer.status == .ok)
            let nodes = try #require(answer["nodes"]?.array, "\(answer.text)")
            #expect(nodes.count == 1, "\(answer.text)")
            let listed = try #require(nodes.first)
            #expect(listed["id"]?.string == node.id.uuidString.lowercased())
            #expect(listed["address"] == "127.0.0.1:8123")
            #expect(listed["version"]?.string == ServerNode.evidentVersion)
            #expect(listed["started_at"]?.string == node.startedAt.iso8601Milliseconds)
            let seen = kind == .postgres ? node.startedAt : clock.now
            #expect(listed["last_seen_at"]?.string == seen.iso8601Milliseconds)
            #expect(listed["self"] == true && listed["alive"] == true)
        }
    }

    @Test(
        "two nodes on one schema list each other; a stopped clock goes stale, a graceful stop or a day removes it",
        .enabled(if: PostgresTestServer.isEnabled))
    func twoNodesOnOneSchema() async throws {
        let url = try PostgresTestServer.freshURL(prefix: "nodes")
        let (clockA, clockB) = (TestClock(), TestClock())
        let a = try await NodeUnderTest(url: url, clock: clockA, address: "10.0.0.1:8080")
        let b = try await NodeUnderTest(url: url, clock: clockB, address: "10.0.0.2:8080")
        do {
            try await Self.exercise(a, clockA, b)
        } catch {
            await a.store.close()
            await b.store.close()
            throw error
        }
        await a.store.close()
        await b.store.close()
    }

    /// What ``twoNodesOnOneSchema()`` checks, on `a` and `b` whose clock stays still.
    static func exercise(_ a: NodeUnderTest, _ clockA: TestClock, _ b: NodeUnderTest) async throws {

        try await a.heartbeat.beat()
        try await b.heartbeat.beat()
        for (node, other) in [(a, b), (b, a)] {
            let nodes = try await node.listed()
            #expect(nodes.count == 2)
            #expect(nodes[node.id]?["self"] == true && nodes[other.id]?["self"] == false)
            #expect(nodes.values.allSatisfy { $0["alive"] == true })
            #expect(nodes[other.id]?["address"]?.string == other.server.node.address)
        }

        // B's clock stops: its heartbeats record a time that falls behind A's.
        clockA.advance(40)
        try await a.heartbeat.beat()
        try await b.heartbeat.beat()
        var nodes = try await a.listed()
        #expect(nodes[a.id]?["alive"] == true)
        #expect(nodes[b.id]?["alive"] == false)

        // A graceful stop of B's heartbeat removes its record.
        let group = ServiceGroup(services: [b.heartbeat], logger: Logger(label: "test"))
        await group.triggerGracefulShutdown()
        try await group.run()
        nodes = try await a.listed()
        #expect(Array(nodes.keys) == [a.id])

        // A record not seen for a day is pruned by any node's heartbeat.
        try await b.heartbeat.beat()
        clockA.advance(NodeHeartbeat.pruneAfter)
        #expect(try await a.listed().count == 2)
        try await a.heartbeat.beat()
        nodes = try await b.listed()
        #expect(Array(nodes.keys) == [a.id])
    }

    /// A server over its own connection to a schema, as one `evident serve` process, with its heartbeat.
    struct NodeUnderTest: Sendable {
        let store: PostgresEventStore
        let server: EvidentServer
        let heartbeat: NodeHeartbeat

        init(url: String, clock: TestClock, address: String) async throws {
            var configuration = try PostgresStoreConfiguration(url: url)
            configuration.maximumConnections = 2
            store = try await PostgresEventStore.connect(configuration)
            server = EvidentServer(store: PrivacyEventStore(store), configuration: clock.configuration)
            server.node.bound(to: address)
            heartbeat = try #require(server.nodeHeartbeat(logger: Logger(label: "test")))
        }

        var id: String { server.node.id.uuidString.lowercased() }

        /// The nodes `GET /_nodes` on this server lists, by id.
        func listed() async throws -> [String: JSON] {
            let application = Application(router: server.makeRouter())
            let answer = try await application.test(.router) { try await Client(client: $0).get("/_nodes") }
            #expect(answer.status == .ok, "\(answer.text)")
            var nodes: [String: JSON] = [:]
            for node in answer["nodes"]?.array ?? [] {
                if let id = node["id"]?.string { nodes[id] = node }
            }
            return nodes
        }
    }
}
