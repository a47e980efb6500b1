import Evident
import EvidentTesting
import Foundation
import Synchronization
import Testing

/// `evident serve` as a real process, driven over HTTP on loopback.
@Suite("evident serve, live", .onBlockingThreads, .serialized)
struct ServeLiveTests {
    static let shopSpec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/specs/shop.json").path
    static let actor = #"{"actor": {"type": "customer", "id": "5f0c2a64-8d7e-4b7b-9a51-3c2f8e1d0a11"}}"#

    struct Acknowledged: Hashable {
        var cart: String
        var version: Int
        var position: Int
    }

    /// Opens the carts; they must exist before the writers start.
    static func open(_ carts: [String], port: Int) throws {
        for cart in carts {
            let opened = try RawHTTP.request(
                port: port, method: "POST", path: "/cart/\(cart)/was_opened",
                body: #"{"data": {"customer_id": "c"}, "metadata": \#(actor)}"#)
            #expect(opened.status == 201, "\(opened.body)")
        }
    }

    /// Writers post to their own (open) carts until the server dies; every write answered 201 is added to
    /// `acknowledged` as it comes.
    static func writeUntilKilled(port: Int, carts: [String], acknowledged: Watched<[Acknowledged]>) async {
        await onThreads(carts.count) { index in
            let cart = carts[index]
            while true {
                guard
                    let answer = try? RawHTTP.request(
                        port: port, method: "POST", path: "/cart/\(cart)/item_was_added",
                        body: #"{"data": {"sku": "a", "quantity": 1, "unit_price": 2}, "metadata": \#(actor)}"#)
                else { return }  // the server is gone
                if answer.status == 201, let json = try? JSON(parsing: answer.body),
                    let version = json["version"]?.number, let position = json["position"]?.number
                {
                    acknowledged.update {
                        $0.append(Acknowledged(cart: cart, version: Int(version), position: Int(position)))
                    }
                }
            }
        }
    }

    @Test("every write answered 201 survives SIGKILL of the server")
    func killedServer() async throws {
        let directory = try TemporaryDirectory()
        var acknowledged: [Acknowledged] = []
        for round in 0..<3 {
            let server = try ServerProcess(directory: directory, spec: round == 0 ? Self.shopSpec : nil)
            let carts = (0..<4).map { _ in UUID().uuidString.lowercased() }
            let port = server.port
            try Self.open(carts, port: port)
            // The server is killed once it has answered a random number of writes 201: while the writers are
            // at work, whatever the machine's speed.
            let target = Int.random(in: 10...60)
            let written = Watched<[Acknowledged]>([])
            async let writes: Void = Self.writeUntilKilled(port: port, carts: carts, acknowledged: written)
            let reached = await written.wait(timeout: .seconds(120)) { $0.count >= target }.held
            server.kill()
            await writes
            try #require(reached, "round \(round): the server answered \(written.current.count) writes, not \(target)")
            acknowledged += written.current
        }

        let server = try ServerProcess(directory: directory, spec: nil)
        for (cart, writes) in Dictionary(grouping: acknowledged, by: \.cart) {
            let answer = try RawHTTP.request(port: server.port, method: "GET", path: "/cart/\(cart)/events?limit=1000")
            let events = try JSON(parsing: answer.body)["events"]?.array ?? []
            let stored = Set(events.compactMap { event in event["position"]?.number.map { Int($0) } })
            for write in writes {
                #expect(stored.contains(write.position), "write \(write) was answered 201 but is gone")
            }
            #expect(events.count >= (writes.map(\.version).max() ?? 0))
        }
        server.kill(signal: SIGTERM)
        #expect(server.process.terminationStatus == 0)
    }

    @Test("SIGTERM stops the server gracefully")
    func gracefulShutdown() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(directory: directory, spec: Self.shopSpec)
        let health = try RawHTTP.request(port: server.port, method: "GET", path: "/_health")
        #expect(health.status == 200)
        // A live feed is open (its response has begun): shutdown must end it rather than wait for it.
        let feed = try HeldSocket(port: server.port)
        feed.send("GET /_log/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let head = feed.read(until: "\r\n\r\n", timeout: 120)
        #expect(head?.hasPrefix("HTTP/1.1 200") == true, "the live feed did not open: \(head ?? "no answer")")
        let start = Date()
        server.kill(signal: SIGTERM)
        #expect(server.process.terminationReason == .exit)
        #expect(server.process.terminationStatus == 0)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test("10,000 malformed or random requests: no 5xx, and the server still answers")
    func robustness() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(directory: directory, spec: Self.shopSpec)
        let port = server.port
        let serverErrors = Locked<[String]>([])
        let answered = Locked(0)
        await onThreads(4) { worker in
            var generator = SeededGenerator(seed: UInt64(worker + 1) * 7_919)
            for _ in 0..<2_500 {
                let request = MalformedRequests.random(using: &generator)
                guard let answer = try? RawHTTP.exchange(port: port, bytes: request) else { continue }
                answered.withLock { $0 += 1 }
                if answer.status >= 500 {
                    serverErrors.withLock {
                        $0.append("\(answer.status) for \(String(decoding: request.prefix(120), as: UTF8.self))")
                    }
                }
            }
        }
        let errors = serverErrors.withLock { $0 }
        #expect(errors.isEmpty, "\(errors.count) server errors, first: \(errors.prefix(5))")
        #expect(answered.withLock { $0 } > 9_000)
        #expect(server.process.isRunning)
        #expect(try RawHTTP.request(port: port, method: "GET", path: "/_health").status == 200)
    }
}

/// Runs `body(0..<count)` on threads of their own (not Swift concurrency's few threads, which blocking
/// socket calls would starve) and returns when all have finished.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) async {
    await withCheckedContinuation { continuation in
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            Thread.detachNewThread {
                body(index)
                group.leave()
            }
        }
        group.notify(queue: .global()) { continuation.resume() }
    }
}

/// A value behind a lock, shareable between tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

/// Requests a careless or hostile client might send.
enum MalformedRequests {
    static let uuid = "5f0c2a64-8d7e-4b7b-9a51-3c2f8e1d0a11"
    static let paths = [
        "/cart/\(uuid)/was_opened", "/cart/\(uuid)/item_was_added", "/cart/\(uuid)", "/order/\(uuid)/was_placed",
        "/cart/\(uuid)/length", "/cart/\(uuid)/events", "/_log", "/_spec", "/_keys", "/_log/stream?until=0",
        "/cart/not-a-uuid/was_opened", "/cart/\(uuid)/nope", "/nope/\(uuid)", "/", "/_keys/abc",
        "/cart/%FF%FE/was_opened", "/cart/\(uuid)?at=abc", "/cart/\(uuid)?version=-3",
        "/cart/\(uuid)?at=99999999999999999999",
        "/_log?after=-1&limit=100000", "/cart/\(uuid)/events?from=0&limit=-1", "/a/b/c/d/e/f", "/cart//was_opened",
        "/%00/%00", "/cart/global", "/cart/\(uuid):2026",
    ]
    static let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW"]
    static let bodies: [String] = [
        "{", "}", "[]", "null", "42", "\"text\"", "{\"data\": ", "{\"data\": []}", "{\"data\": 1, \"metadata\": 2}",
        "{\"data\": {\"customer_id\": 7}, \"metadata\": {\"actor\": {\"type\": \"customer\", \"id\": \"\(uuid)\"}}}",
        "{\"data\": {\"sku\": \"a\", \"quantity\": 1e400, \"unit_price\": 1}, \"metadata\": {\"actor\": {\"type\": \"customer\", \"id\": \"\(uuid)\"}}}",
        "{\"data\": {\"sku\": \"a\", \"quantity\": 99999999999999999999999999, \"unit_price\": -1e308}, \"metadata\": {\"actor\": {\"type\": \"customer\", \"id\": \"\(uuid)\"}}}",
        "{\"data\": {}, \"metadata\": {\"actor\": {\"type\": \"robot\", \"id\": \"x\"}, \"previous_length\": -1}}",
        "{\"data\": {}, \"metadata\": {\"actor\": \"me\", \"skip_occ\": \"yes\"}}",
        "{\"events\": 5}", "{\"events\": [1, 2, 3]}", "{\"events\": [{\"type\": 1}]}", "{\"scope\": \"root\"}",
        "{\"aggregate_types\": 5}",
        "{\"aggregate_types\": {\"x\": {\"events\": {\"e\": {\"schema\": 1, \"handler\": 2}}}}}",
        String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000),
        String(repeating: "{\"a\":", count: 3_000) + "1" + String(repeating: "}", count: 3_000),
        "{\"data\": {\"customer_id\": \"\u{0}\u{1}\"}}", "\u{FEFF}{}", "{\"a\": 1,}", "{'a': 1}", "{\"a\" 1}", "tru",
        "nul",
        "{\"data\": {\"sku\": \"\(String(repeating: "é", count: 2_000))\"}}",
    ]

    static func random(using generator: inout SeededGenerator) -> [UInt8] {
        let method = methods.randomElement(using: &generator)!
        var path = paths.randomElement(using: &generator)!
        var body: [UInt8] = Array(bodies.randomElement(using: &generator)!.utf8)
        switch Int.random(in: 0..<10, using: &generator) {
        case 0:
            body = (0..<Int.random(in: 1...300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
        case 1:
            body = Array("{\"data\": {\"customer_id\": \"".utf8) + [0xC3, 0x28, 0xFF, 0xFE] + Array("\"}}".utf8)
        case 2:
            path = "/cart/" + String(decoding: [0xE2, 0x82], as: UTF8.self) + "/was_opened"
        case 3:
            body = Array(body.prefix(Int.random(in: 0...max(0, body.count - 1), using: &generator)))
        default:
            break
        }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        switch Int.random(in: 0..<6, using: &generator) {
        case 0: head += "Authorization: Bearer evk_zz_zz\r\n"
        case 1:
            head += "Idempotency-Key: \(String(repeating: "k", count: Int.random(in: 0...300, using: &generator)))\r\n"
        case 2: head += "Last-Event-ID: -5\r\n"
        case 3: head += "Content-Type: text/plain\r\n"
        default: break
        }
        head += "Content-Length: \(body.count)\r\n\r\n"
        var bytes = Array(head.utf8)
        if Int.random(in: 0..<50, using: &generator) == 0 {
            // Raw bytes in the request line itself.
            bytes.insert(contentsOf: [0xFF, 0xC0, 0x80], at: method.utf8.count + 2)
        }
        return bytes + body
    }
}
