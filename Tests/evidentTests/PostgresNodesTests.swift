import Evident
import EvidentTesting
import Foundation
import Testing

/// Several `evident serve` processes on one PostgreSQL schema behave as one server: concurrency checks,
/// idempotency keys, the spec, API keys and reads hold across them.
@Suite(
    "several evident serve nodes on one PostgreSQL schema", .onBlockingThreads, .serialized,
    .enabled(if: PostgresTestServer.isEnabled))
struct PostgresNodesTests {
    /// `count` nodes serving the shop spec on `url`, started one after the other (the first stores the spec).
    static func nodes(_ count: Int, url: String) throws -> [ServerProcess] {
        try (0..<count).map { _ in try ServerProcess(store: ["--store", url], spec: ServeLiveTests.shopSpec) }
    }

    /// The body of a cart's `item_was_added` of `sku`, with `previous_length` when given.
    static func item(_ sku: String, previousLength: Int? = nil) -> String {
        let actor = #"{"type": "customer", "id": "5f0c2a64-8d7e-4b7b-9a51-3c2f8e1d0a11"}"#
        let length = previousLength.map { #", "previous_length": \#($0)"# } ?? ""
        let data = #"{"sku": "\#(sku)", "quantity": 1, "unit_price": 2}"#
        return #"{"data": \#(data), "metadata": {"actor": \#(actor)\#(length)}}"#
    }

    @Test("OCC across nodes: each version is won by exactly one write, the others get 409, the stream has no hole")
    func versionsWonOnce() async throws {
        let nodes = try Self.nodes(3, url: try PostgresTestServer.freshURL(prefix: "nodes"))
        let ports = nodes.map(\.port)
        let cart = UUID().uuidString.lowercased()
        try ServeLiveTests.open([cart], port: ports[0])
        // Each round, 6 writers (2 per node) send at once the stream's current length as `previous_length`: exactly
        // one of them may win the next version, whatever order they reach the database in.
        let writers = 6
        let rounds = 12
        var wins: [(version: Int, position: Int)] = []
        for round in 0..<rounds {
            let length = 1 + round
            let answers = Locked<[RawHTTP.Response]>([])
            await onThreads(writers) { writer in
                let answer = try? RawHTTP.request(
                    port: ports[writer % ports.count], method: "POST", path: "/cart/\(cart)/item_was_added",
                    body: Self.item("w\(writer)", previousLength: length))
                answers.withLock { $0.append(answer ?? RawHTTP.Response(status: 0, head: "", body: "no answer")) }
            }
            let all = answers.withLock { $0 }
            let won = all.filter { $0.status == 201 }
            let lost = all.filter { $0.status == 409 }
            #expect(
                won.count == 1 && lost.count == writers - 1, "round \(round): \(all.map { "\($0.status) \($0.body)" })")
            for answer in won {
                let json = try JSON(parsing: answer.body)
                #expect(json["version"] == .int(length + 1), "\(answer.body)")
                wins.append((Int(json["version"]?.number ?? 0), Int(json["position"]?.number ?? 0)))
            }
            for answer in lost {
                #expect(try JSON(parsing: answer.body)["length"] == .int(length + 1), "\(answer.body)")
            }
        }

        let read = try RawHTTP.request(port: nodes[2].port, method: "GET", path: "/cart/\(cart)/events?limit=1000")
        let events = try #require(try JSON(parsing: read.body)["events"]?.array, "\(read.body)")
        #expect(events.map { Int($0["version"]?.number ?? 0) } == Array(1...(1 + rounds)))
        let positions = events.map { Int($0["position"]?.number ?? 0) }
        #expect(positions == positions.sorted() && Set(positions).count == positions.count)
        for win in wins {
            #expect(positions[win.version - 1] == win.position, "version \(win.version) is not where it was answered")
        }
    }

    @Test("the same write with the same Idempotency-Key on 3 nodes at once: one event, one position for all")
    func idempotencyKeyAcrossNodes() async throws {
        let nodes = try Self.nodes(3, url: try PostgresTestServer.freshURL(prefix: "nodes"))
        let ports = nodes.map(\.port)
        let cart = UUID().uuidString.lowercased()
        try ServeLiveTests.open([cart], port: ports[0])
        let keys = (0..<10).map { "add-\($0)" }
        for key in keys {
            let answers = Locked<[RawHTTP.Response]>([])
            await onThreads(ports.count) { node in
                let answer = try? RawHTTP.request(
                    port: ports[node], method: "POST", path: "/cart/\(cart)/item_was_added",
                    body: Self.item(key), headers: ["Idempotency-Key": key])
                answers.withLock { $0.append(answer ?? RawHTTP.Response(status: 0, head: "", body: "no answer")) }
            }
            let all = answers.withLock { $0 }
            #expect(all.allSatisfy { $0.status == 201 }, "\(key): \(all.map { "\($0.status) \($0.body)" })")
            let bodies = all.compactMap { try? JSON(parsing: $0.body) }
            #expect(Set(bodies.map { $0["position"] }).count == 1, "\(key): \(all.map(\.body))")
            #expect(Set(bodies.map { $0["version"] }).count == 1, "\(key): \(all.map(\.body))")
            // One answer wrote the event; the others replayed it.
            #expect(bodies.filter { $0["replayed"] == nil }.count == 1, "\(key): \(all.map(\.body))")
        }

        let read = try RawHTTP.request(port: nodes[1].port, method: "GET", path: "/cart/\(cart)/events?limit=1000")
        let events = try #require(try JSON(parsing: read.body)["events"]?.array, "\(read.body)")
        #expect(events.compactMap { $0["data"]?["sku"]?.string } == keys, "each key wrote one event, in order")
    }

    @Test("a spec stored through one node is in force on the others")
    func specAcrossNodes() throws {
        let nodes = try Self.nodes(3, url: try PostgresTestServer.freshURL(prefix: "nodes"))
        let note = #"{"data": {"text": "fragile"}, "metadata": \#(ServeLiveTests.actor)}"#
        func addNote(on node: ServerProcess) throws -> RawHTTP.Response {
            try RawHTTP.request(
                port: node.port, method: "POST", path: "/order/\(UUID().uuidString.lowercased())/note_was_added",
                body: note)
        }
        // shop.json has no `order.note_was_added`; shop-v2.json adds it.
        #expect(try addNote(on: nodes[1]).code == "unknownEventType")
        let v2 = try String(
            contentsOf: URL(fileURLWithPath: ServeLiveTests.shopSpec).deletingLastPathComponent()
                .appendingPathComponent("shop-v2.json"), encoding: .utf8)
        let put = try RawHTTP.request(port: nodes[0].port, method: "PUT", path: "/_spec", body: v2)
        #expect(put.status == 200, "\(put.body)")
        let position = try #require(try JSON(parsing: put.body)["position"]?.number.map { Int($0) }, "\(put.body)")

        // With the position as a token, B reads the spec from the store at once and writes under it.
        let spec = try RawHTTP.request(port: nodes[1].port, method: "GET", path: "/_spec?after=\(position)")
        #expect(try JSON(parsing: spec.body)["version"] == 2, "\(spec.body)")
        let onB = try addNote(on: nodes[1])
        #expect(onB.status == 201, "\(onB.body)")

        // Without a token, C rereads the spec at its next refresh: within a second by design (SpecStore's
        // refresh interval). That is not timed here; the deadline only ends a failing run.
        let deadline = Date().addingTimeInterval(60)
        var onC = try addNote(on: nodes[2])
        while onC.code == "unknownEventType", Date() < deadline {
            onC = try addNote(on: nodes[2])
        }
        #expect(onC.status == 201, "\(onC.body)")
    }

    @Test("an API key created on one node works on another; a key revoked on one is refused on all")
    func keysAcrossNodes() throws {
        let url = try PostgresTestServer.freshURL(prefix: "nodes")
        // The first key before the nodes start, so that they require keys from the start.
        let created = try EvidentBinary.run(["keys", "create", "--scope", "admin", "--json", "--store", url])
        let admin = try #require(
            try JSON(parsing: created.output.trimmingCharacters(in: .newlines))["key"]?.string, "\(created.error)")
        let nodes = try Self.nodes(3, url: url)
        func spec(on node: ServerProcess, key: String) throws -> Int {
            try RawHTTP.request(
                port: node.port, method: "GET", path: "/_spec", headers: ["Authorization": "Bearer \(key)"]
            ).status
        }

        let answer = try RawHTTP.request(
            port: nodes[0].port, method: "POST", path: "/_keys", body: #"{"scope": "read"}"#,
            headers: ["Authorization": "Bearer \(admin)"])
        #expect(answer.status == 201, "\(answer.body)")
        let json = try JSON(parsing: answer.body)
        let key = try #require(json["key"]?.string)
        let id = try #require(json["id"]?.string)
        // A key unknown to a node is looked up at once: it works on B as soon as A has answered.
        #expect(try spec(on: nodes[1], key: key) == 200)
        #expect(try spec(on: nodes[2], key: key) == 200)

        let revoked = try RawHTTP.request(
            port: nodes[0].port, method: "DELETE", path: "/_keys/\(id)", headers: ["Authorization": "Bearer \(admin)"])
        #expect(revoked.status == 200, "\(revoked.body)")
        #expect(try spec(on: nodes[0], key: key) == 401, "the node that revoked the key refuses it at once")
        // The other nodes see the revocation at their next look at the keys (every 250 ms by design), which is
        // not timed here; the deadline only ends a failing run.
        for node in nodes.dropFirst() {
            let deadline = Date().addingTimeInterval(60)
            var status = try spec(on: node, key: key)
            while status == 200, Date() < deadline { status = try spec(on: node, key: key) }
            #expect(status == 401)
        }
        #expect(try spec(on: nodes[2], key: admin) == 200)
    }

    @Test("GET /_nodes on either of two nodes lists both, alive, each marking itself")
    func nodesListEachOther() throws {
        let nodes = try Self.nodes(2, url: try PostgresTestServer.freshURL(prefix: "nodes"))
        let addresses = Set(nodes.map { "127.0.0.1:\($0.port)" })
        for node in nodes {
            // Each node records itself once it listens, at once but not before its port is known: the deadline
            // only ends a failing run.
            let deadline = Date().addingTimeInterval(60)
            var listed: [JSON] = []
            repeat {
                let answer = try RawHTTP.request(port: node.port, method: "GET", path: "/_nodes")
                #expect(answer.status == 200, "\(answer.body)")
                listed = try JSON(parsing: answer.body)["nodes"]?.array ?? []
            } while Set(listed.compactMap { $0["address"]?.string }) != addresses && Date() < deadline
            #expect(Set(listed.compactMap { $0["address"]?.string }) == addresses, "\(listed)")
            #expect(listed.allSatisfy { $0["alive"] == true }, "\(listed)")
            let own = listed.filter { $0["self"] == true }
            #expect(own.map { $0["address"]?.string } == ["127.0.0.1:\(node.port)"], "\(listed)")
        }
    }

    @Test("a read on one node after a write on another sees the write, with or without the consistency token")
    func readYourWritesAcrossNodes() throws {
        let nodes = try Self.nodes(3, url: try PostgresTestServer.freshURL(prefix: "nodes"))
        for round in 0..<6 {
            let (writer, reader, other) = (nodes[round % 3], nodes[(round + 1) % 3], nodes[(round + 2) % 3])
            let cart = UUID().uuidString.lowercased()
            let written = try RawHTTP.request(
                port: writer.port, method: "POST", path: "/cart/\(cart)/was_opened",
                body: #"{"data": {"customer_id": "r\#(round)"}, "metadata": \#(ServeLiveTests.actor)}"#)
            #expect(written.status == 201, "\(written.body)")
            let position = try #require(written.header("Evident-Position"), "\(written.head)")

            let withToken = try RawHTTP.request(
                port: reader.port, method: "GET", path: "/cart/\(cart)?after=\(position)")
            #expect(
                try JSON(parsing: withToken.body)["data"]?["customer_id"] == .string("r\(round)"), "\(withToken.body)")
            let log = try RawHTTP.request(
                port: reader.port, method: "GET", path: "/_log?after=\(Int(position)! - 1)",
                headers: ["Evident-After": position])
            #expect(
                try JSON(parsing: log.body)["events"]?.array?.first?["key"] == .string("cart:\(cart)"), "\(log.body)")
            // Every node reads the primary, so a read without a token sees the write too.
            let withoutToken = try RawHTTP.request(port: other.port, method: "GET", path: "/cart/\(cart)")
            #expect(
                try JSON(parsing: withoutToken.body)["data"]?["customer_id"] == .string("r\(round)"),
                "\(withoutToken.body)")
        }
    }
}
