import Evident
import EvidentTesting
import Foundation
import Testing

/// Scheduled implications in `evident serve` processes: durable across a SIGKILL, and fired once by one of
/// several nodes on PostgreSQL. Time is not waited for: a schedule of 0 seconds is due at once, and
/// `EVIDENT_TEST_CLOCK_OFFSET` starts a server with its clock hours ahead.
@Suite("Scheduled implications in evident serve", .onBlockingThreads, .serialized)
struct ScheduleProcessTests {
    static let spec = URL(fileURLWithPath: ServeLiveTests.shopSpec).deletingLastPathComponent()
        .appendingPathComponent("abandoned-cart.json").path

    /// Opens `cart`, abandoned after `seconds` (the spec's hour when nil).
    static func open(_ cart: String, after seconds: Int? = nil, port: Int) throws -> RawHTTP.Response {
        let data = seconds.map { #"{"abandon_after": \#($0)}"# } ?? "{}"
        return try RawHTTP.request(
            port: port, method: "POST", path: "/cart/\(cart)/was_opened",
            body: #"{"data": \#(data), "metadata": \#(ServeLiveTests.actor)}"#)
    }

    static func eventTypes(_ cart: String, port: Int, after position: Int = 0) throws -> [String] {
        let read = try RawHTTP.request(
            port: port, method: "GET", path: "/cart/\(cart)/events?after=\(position)&wait=30", timeout: 40)
        return try JSON(parsing: read.body)["events"]?.array?.compactMap { $0["type"]?.string } ?? []
    }

    /// Waits until the server logs that it fired the schedule of `cart`.
    static func waitUntilFired(_ cart: String, on server: ServerProcess) throws {
        try server.server.waitForLinesBlocking(on: \.error, "the schedule of \(cart) fired") {
            $0.contains { $0.contains("Schedule fired") && $0.contains("cart:\(cart)") }
        }
    }

    @Test("spec validate reports each bad schedule entry with its path")
    func validate() throws {
        let directory = try TemporaryDirectory(prefix: "evident-schedule-validate")
        let bad = #"""
            {"agent_types": ["customer"], "aggregate_types": {"cart": {"events": {
              "was_opened": {"schema": {}, "handler": [], "implications": [
                {"schedule": {"after": -3, "emit": {"aggregate_type": "cart", "id": "$.id", "event_type": "was_lost"}}}
              ]}
            }}}}
            """#
        try bad.write(toFile: directory.file("bad.json"), atomically: true, encoding: .utf8)
        let result = try EvidentBinary.run(["spec", "validate", "bad.json"], in: directory.path)
        #expect(result.status == 1)
        let path = "aggregate_types.cart.events.was_opened.implications[0].schedule"
        let lines = (result.output + result.error).split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("\(path).after: ") && $0.contains("not -3") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("\(path).emit.event_type: ") }, "\(lines)")
    }

    @Test("a schedule pending at a SIGKILL is fired once after the restart, and never again")
    func survivesSigkill() throws {
        let directory = try TemporaryDirectory(prefix: "evident-schedule-kill")
        let cart = UUID().uuidString.lowercased()
        let first = try ServerProcess(directory: directory, spec: Self.spec)
        #expect(try Self.open(cart, port: first.port).status == 201)
        let pending = try RawHTTP.request(port: first.port, method: "GET", path: "/_schedules?aggregate=cart:\(cart)")
        #expect(try JSON(parsing: pending.body)["schedules"]?.array?.count == 1, "\(pending.body)")
        first.kill()

        // Two hours later, by the restarted server's clock: the hour has passed.
        let later = ["EVIDENT_TEST_CLOCK_OFFSET": "7200"]
        let second = try ServerProcess(directory: directory, spec: nil, environment: later)
        try Self.waitUntilFired(cart, on: second)
        #expect(try Self.eventTypes(cart, port: second.port) == ["was_opened", "was_abandoned"])
        second.kill()

        // A third start fires a new schedule of 0 seconds: its round would have found the first one again.
        let third = try ServerProcess(directory: directory, spec: nil, environment: later)
        let sentinel = UUID().uuidString.lowercased()
        #expect(try Self.open(sentinel, after: 0, port: third.port).status == 201)
        try Self.waitUntilFired(sentinel, on: third)
        #expect(try Self.eventTypes(cart, port: third.port) == ["was_opened", "was_abandoned"])
        let listed = try RawHTTP.request(port: third.port, method: "GET", path: "/_schedules?aggregate=cart:\(cart)")
        #expect(try JSON(parsing: listed.body)["schedules"] == [], "\(listed.body)")
        third.kill(signal: SIGTERM)
    }

    @Test(
        "two nodes on one PostgreSQL schema: every due schedule is fired exactly once",
        .enabled(if: PostgresTestServer.isEnabled))
    func twoNodes() throws {
        let url = try PostgresTestServer.freshURL(prefix: "schedules")
        let first = try ServerProcess(store: ["--store", url], spec: Self.spec)
        let second = try ServerProcess(store: ["--store", url], spec: Self.spec)
        let nodes = [first, second]
        let carts = (0..<12).map { _ in UUID().uuidString.lowercased() }
        let health = try RawHTTP.request(port: first.port, method: "GET", path: "/_health")
        let start = Int(try JSON(parsing: health.body)["head_position"]?.number ?? -1)
        for (index, cart) in carts.enumerated() {
            let opened = try Self.open(cart, after: 0, port: nodes[index % 2].port)
            #expect(opened.status == 201, "\(opened.body)")
        }
        // Opening a cart appends two events (was_opened and its schedule's `scheduled`), and so does firing
        // (was_abandoned and the schedule's `fired`): wait for the position of the last one.
        let fired = start + 4 * carts.count
        for (index, cart) in carts.enumerated() {
            let types = try Self.eventTypes(cart, port: nodes[(index + 1) % 2].port, after: fired)
            #expect(types == ["was_opened", "was_abandoned"], "\(cart)")
        }
        let log = try RawHTTP.request(port: first.port, method: "GET", path: "/_log?after=\(start)&limit=1000")
        let events = try #require(try JSON(parsing: log.body)["events"]?.array, "\(log.body)")
        // The log hides the system streams: the carts' events show, one abandonment per cart.
        #expect(events.filter { $0["type"] == "was_abandoned" }.count == carts.count, "\(log.body)")
        #expect(events.count == 2 * carts.count, "\(log.body)")
        let health2 = try RawHTTP.request(port: second.port, method: "GET", path: "/_health")
        #expect(try JSON(parsing: health2.body)["head_position"] == .int(fired), "\(health2.body)")
        for node in nodes { node.kill(signal: SIGTERM) }
    }
}
