import Evident
import EvidentEngine
import EvidentServer
import EvidentEngine
import EvidentSQLite
import EvidentTesting
import Foundation
import HTTPTypes
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The probes of the security review, each against a real `evident serve` process on loopback: who may call
/// what, the limits on the work one request can cause, connection floods, and shutdown with work stuck.
@Suite("security probes, live", .onBlockingThreads, .serialized)
struct SecurityTests {
    // MARK: Authorization

    @Test("every route × path spelling × key: the matched route decides the scope, never the raw path")
    func authorizationMatrix() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("evident.sqlite")
        let admin = try createKey("admin", database: database)
        let write = try createKey("write", database: database)
        let read = try createKey("read", database: database)
        let revoked = try createKey("admin", database: database)
        #expect(try EvidentBinary.run(["keys", "revoke", "--db", database, revoked.id]).status == 0)
        let server = try ServerProcess(directory: directory, spec: ServeLiveTests.shopSpec)
        let shop = try String(contentsOfFile: ServeLiveTests.shopSpec, encoding: .utf8)

        let keys: [(name: String, key: String?, scope: APIKeyScope?)] = [
            ("no key", nil, nil), ("read", read.key, .read), ("write", write.key, .write),
            ("admin", admin.key, .admin), ("revoked", revoked.key, nil),
        ]
        let declarations = EvidentServer(store: try SQLiteEventStore(path: directory.file("routes.sqlite")))
            .routeDeclarations
        #expect(declarations.count >= 14, "the routes were not all listed")
        var checked = 0
        for route in declarations {
            let path = route.path.replacingOccurrences(of: "{type}", with: "cart")
                .replacingOccurrences(
                    of: "{id}", with: route.path.hasPrefix("/_keys") ? "0123456789ab" : ProbeSpec.id()
                )
                .replacingOccurrences(of: "{event}", with: "was_opened")
            let body: String? =
                switch route.method {
                case .post where route.path == "/_keys": #"{"scope": "admin"}"#
                case .post where route.path == "/{type}/{id}":
                    #"{"events": [{"type": "was_opened", "data": {"customer_id": "c"}}], "metadata": \#(ServeLiveTests.actor)}"#
                case .post: #"{"data": {"customer_id": "c"}, "metadata": \#(ServeLiveTests.actor)}"#
                case .put: shop
                default: nil
                }
            let query = route.path == "/_log/stream" ? "?until=0" : route.path == "/_spec" ? "?dry_run=true" : ""
            let spellings = [
                path, "/" + path, path + "/", "/." + path, path.replacingOccurrences(of: "/_", with: "/%5F"),
                path.replacingOccurrences(of: "/cart", with: "/%63art"),
            ]
            for spelling in Set(spellings).sorted() {
                for key in keys {
                    let answer = try RawHTTP.request(
                        port: server.port, method: route.method.rawValue, path: spelling + query, body: body,
                        headers: key.key.map { ["Authorization": "Bearer \($0)"] } ?? [:])
                    let context =
                        "\(route.method.rawValue) \(spelling) with \(key.name): \(answer.status) \(answer.body)"
                    checked += 1
                    #expect(answer.status < 500, "\(context)")
                    guard spelling == path else {
                        #expect(answer.status == 404, "a non-canonical path must answer 404: \(context)")
                        continue
                    }
                    guard case .scope(let needed) = route.access else {
                        #expect(answer.status == 200, "\(context)")
                        continue
                    }
                    switch key.scope {
                    case nil: #expect(answer.status == 401, "\(context)")
                    case let scope? where scope < needed: #expect(answer.status == 403, "\(context)")
                    default: #expect(answer.status != 401 && answer.status != 403, "\(context)")
                    }
                }
            }
        }
        #expect(checked > 300)

        // What the refused requests would have done did not happen: only admin created keys (one per
        // canonical POST /_keys), and the spec is still version 1.
        let listed = try RawHTTP.request(
            port: server.port, method: "GET", path: "/_keys", headers: ["Authorization": "Bearer \(admin.key)"])
        let scopes = try JSON(parsing: listed.body)["keys"]?.array?.compactMap { $0["scope"]?.string } ?? []
        #expect(scopes.count == 4, "\(listed.body)")
        let spec = try RawHTTP.request(
            port: server.port, method: "GET", path: "/_spec", headers: ["Authorization": "Bearer \(read.key)"])
        #expect(try JSON(parsing: spec.body)["version"] == 1)
        server.kill(signal: SIGTERM)
    }

    @Test("the last admin key cannot be revoked over HTTP; Bearer is case-insensitive")
    func lastAdminKey() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("evident.sqlite")
        let admin = try createKey("admin", database: database)
        let server = try ServerProcess(directory: directory, spec: ServeLiveTests.shopSpec)
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let answer = try RawHTTP.request(
                port: server.port, method: "GET", path: "/_keys", headers: ["Authorization": "\(scheme) \(admin.key)"])
            #expect(answer.status == 200, "\(scheme): \(answer.body)")
        }
        let refused = try RawHTTP.request(
            port: server.port, method: "DELETE", path: "/_keys/\(admin.id)",
            headers: ["Authorization": "Bearer \(admin.key)"])
        #expect(refused.status == 409)
        #expect(refused.body.contains("evident keys revoke --force \(admin.id)"), "\(refused.body)")
        // Still in force: the server did not open up.
        #expect(try RawHTTP.request(port: server.port, method: "GET", path: "/_spec").status == 401)
        server.kill(signal: SIGTERM)

        let withoutForce = try EvidentBinary.run(["keys", "revoke", "--db", database, admin.id])
        #expect(withoutForce.status != 0)
        #expect(withoutForce.error.contains("--force"))
        #expect(try EvidentBinary.run(["keys", "revoke", "--db", database, "--force", admin.id]).status == 0)
    }

    // MARK: Limits on the work of one request

    @Test("pattern matching has a time budget; /_health answers throughout")
    func patternBudget() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(directory: directory, spec: try ProbeSpec.file(in: directory))
        let port = server.port
        #expect(try ProbeSpec.post(port: port, "was_tagged", data: #"{"tag": "aaa!"}"#).status == 201)
        #expect(try ProbeSpec.post(port: port, "was_tagged", data: #"{"tag": "bbb"}"#).code == "invalidData")
        let health = HealthWatch(port: port)
        let codes = Locked<[String]>([])
        await onThreads(4) { index in
            let answer =
                index % 2 == 0
                ? try? ProbeSpec.post(
                    port: port, "was_tagged",
                    data: #"{"tag": "\#(String(repeating: "a", count: index == 0 ? 400 : 1_000))"}"#)
                : try? ProbeSpec.post(
                    port: port, "items_were_tagged",
                    data:
                        #"{"items": [\#(Array(repeating: "\"\(String(repeating: "a", count: 40))b\"", count: 25).joined(separator: ","))]}"#
                )
            codes.withLock { $0.append("\(answer?.status ?? 0) \(answer?.code ?? "")") }
        }
        health.stopAndCheck("four expensive patterns at once")
        #expect(codes.withLock { $0 }.sorted() == Array(repeating: "422 patternTooExpensive", count: 4))
        server.kill(signal: SIGTERM)
        #expect(server.process.terminationStatus == 0)
    }

    @Test("the state after a handler is bounded: at the limit accepted, one byte over refused")
    func stateSize() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(
            directory: directory, spec: try ProbeSpec.file(in: directory),
            extraArguments: ["--max-state-bytes", "4096"])
        let port = server.port
        // The state {"blob":"…"} is 11 bytes of JSON around the string.
        #expect(try ProbeSpec.post(port: port, "blob_was_set", data: blob(4_096 - 11)).status == 201)
        let over = try ProbeSpec.post(port: port, "blob_was_set", data: blob(4_096 - 10))
        #expect(over.status == 422)
        #expect(over.code == "stateTooLarge", "\(over.body)")

        // The doubling handler: refused once the state crosses the limit, and the stream stays readable.
        let doubled = ProbeSpec.id()
        var accepted = 0
        while accepted < 100 {
            let answer = try ProbeSpec.post(port: port, "was_doubled", id: doubled)
            guard answer.status == 201 else {
                #expect(answer.code == "stateTooLarge", "\(answer.body)")
                break
            }
            accepted += 1
        }
        #expect(accepted > 5 && accepted < 12, "\(accepted) doublings accepted")
        let read = try RawHTTP.request(port: port, method: "GET", path: "/probe/\(doubled)")
        #expect(read.status == 200)
        #expect(read.body.utf8.count < 8_192)

        // $concat of a list with itself, in one batch.
        let batch = Array(repeating: #"{"type": "list_was_doubled"}"#, count: 40).joined(separator: ",")
        let concatenated = try RawHTTP.request(
            port: port, method: "POST", path: "/probe/\(ProbeSpec.id())",
            body: #"{"events": [\#(batch)], "metadata": \#(ProbeSpec.actor)}"#)
        #expect(concatenated.status == 422)
        #expect(["stateTooLarge", "handlerTooExpensive"].contains(concatenated.code ?? ""), "\(concatenated.body)")
        server.kill(signal: SIGTERM)
    }

    @Test("implied events are bounded: at the limit accepted, one over refused; a fan-out stops at once")
    func impliedEvents() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(
            directory: directory, spec: try ProbeSpec.file(in: directory),
            extraArguments: ["--max-implied-events", "10"])
        let port = server.port
        func ids(_ count: Int) -> String {
            "[" + (0..<count).map { _ in "\"\(ProbeSpec.id())\"" }.joined(separator: ",") + "]"
        }
        let atLimit = try ProbeSpec.post(port: port, "notes_were_sent", data: #"{"ids": \#(ids(10))}"#)
        #expect(atLimit.status == 201)
        #expect(try JSON(parsing: atLimit.body)["implied_count"] == 10)
        let over = try ProbeSpec.post(port: port, "notes_were_sent", data: #"{"ids": \#(ids(11))}"#)
        #expect(over.status == 422)
        #expect(over.code == "tooManyImpliedEvents", "\(over.body)")
        server.kill(signal: SIGTERM)

        // The default limit (1,000) against 8 ids passed on level after level.
        let fresh = try TemporaryDirectory()
        let defaults = try ServerProcess(directory: fresh, spec: try ProbeSpec.file(in: fresh))
        let health = HealthWatch(port: defaults.port)
        let fanOut = try ProbeSpec.post(port: defaults.port, "was_fanned_out", data: #"{"ids": \#(ids(8))}"#)
        health.stopAndCheck("an 8-wide fan-out")
        #expect(fanOut.status == 422)
        #expect(fanOut.code == "tooManyImpliedEvents", "\(fanOut.body)")
        let head = try JSON(parsing: RawHTTP.request(port: defaults.port, method: "GET", path: "/_health").body)
        #expect(head["head_position"] == 1, "nothing but the spec is stored")
        defaults.kill(signal: SIGTERM)
    }

    @Test("a request's work stops at the request timeout")
    func requestTimeout() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(
            directory: directory, spec: try ProbeSpec.file(in: directory),
            extraArguments: ["--request-timeout", "1", "--pattern-budget-ms", "10000"])
        let start = Date()
        let answer = try ProbeSpec.post(
            port: server.port, "was_tagged", data: #"{"tag": "\#(String(repeating: "a", count: 3_000))"}"#)
        #expect(answer.status == 503)
        #expect(answer.code == "deadlineExceeded", "\(answer.body)")
        #expect(Date().timeIntervalSince(start) < 30, "the match ran on past its deadline")
        server.kill(signal: SIGTERM)
    }

    @Test("SIGTERM ends the server within 10 s while requests are stuck in expensive work")
    func terminationWithStuckWork() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(
            directory: directory, spec: try ProbeSpec.file(in: directory),
            extraArguments: ["--request-timeout", "3600", "--pattern-budget-ms", "10000"])
        let port = server.port
        let sockets = try (0..<2).map { _ in try HeldSocket(port: port) }
        let body = #"{"data": {"tag": "\#(String(repeating: "a", count: 5_000))"}, "metadata": \#(ProbeSpec.actor)}"#
        for socket in sockets {
            socket.send(
                "POST /probe/\(ProbeSpec.id())/was_tagged HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                    + "\(body.utf8.count)\r\n\r\n\(body)")
        }
        // The work is under way once the server has spent a second of CPU on it (the bound only ends a
        // failing run).
        let busy = cpuSeconds(of: server.process.processIdentifier) + 1
        let deadline = Date().addingTimeInterval(60)
        while cpuSeconds(of: server.process.processIdentifier) < busy, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(cpuSeconds(of: server.process.processIdentifier) >= busy, "the requests never started")
        let answered = sockets.filter(\.hasAnswered).count
        #expect(answered == 0, "\(answered) requests were answered before SIGTERM: they were not stuck")
        let start = Date()
        server.kill(signal: SIGTERM)
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 10, "SIGTERM took \(elapsed) s")
    }

    // MARK: Connections

    @Test("slow headers are cut at the header timeout; idle sockets past the limit give way to /_health")
    func connectionFloods() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(
            directory: directory, spec: ServeLiveTests.shopSpec,
            extraArguments: ["--header-timeout", "1", "--max-connections", "100", "--idle-timeout", "3600"])
        let port = server.port

        let slow = try (0..<48).map { _ in try HeldSocket(port: port) }
        for socket in slow { socket.send("GET /_health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") }
        let health = HealthWatch(port: port)
        // One keeps dribbling a byte at a time: the timeout counts from the first byte, not the last.
        let dribbler = try HeldSocket(port: port)
        dribbler.send("GET /_health HTTP/1.1\r\n")
        let dribbled = Locked(false)
        Thread.detachNewThread {
            while dribbler.send("a") { Thread.sleep(forTimeInterval: 0.1) }
            dribbled.withLock { $0 = true }
        }
        for socket in slow { #expect(socket.waitForClose(timeout: 60), "a slow-header socket stayed open") }
        #expect(dribbler.waitForClose(timeout: 60), "the dribbling socket stayed open")

        // 150 idle sockets against a limit of 100: each new connection closes the longest idle one.
        let idle = try (0..<150).map { _ in try HeldSocket(port: port) }
        #expect(try RawHTTP.request(port: port, method: "GET", path: "/_health").status == 200)
        health.stopAndCheck("slow-header and idle-socket floods")
        // Wait for the closes to arrive (the deadline only bounds a failing run).
        let deadline = Date().addingTimeInterval(30)
        var closed = 0
        while closed < 50, Date() < deadline {
            closed = idle.filter(\.isClosedByServer).count
            if closed < 50 { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(closed >= 50, "only \(closed) of 150 idle sockets were closed under a limit of 100")
        #expect(try RawHTTP.request(port: port, method: "GET", path: "/_health").status == 200)
        server.kill(signal: SIGTERM)
        #expect(server.process.terminationStatus == 0)
    }

    @Test("an idle connection is closed at the idle timeout")
    func idleTimeout() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(
            directory: directory, spec: ServeLiveTests.shopSpec, extraArguments: ["--idle-timeout", "1"])
        let socket = try HeldSocket(port: server.port)
        socket.send("GET /_health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(socket.waitForClose(timeout: 60), "the idle keep-alive connection stayed open")
        server.kill(signal: SIGTERM)
    }

    // MARK: The state cache

    @Test("the state cache is bounded by bytes")
    func cacheBytes() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(
            directory: directory, spec: try ProbeSpec.file(in: directory),
            extraArguments: ["--cache-bytes", "2000000"])
        let port = server.port
        let payload = blob(200_000)
        for _ in 0..<40 {
            let id = ProbeSpec.id()
            #expect(try ProbeSpec.post(port: port, "blob_was_set", data: payload, id: id).status == 201)
            #expect(try RawHTTP.request(port: port, method: "GET", path: "/probe/\(id)").status == 200)
        }
        let metrics = try RawHTTP.request(port: port, method: "GET", path: "/_metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("evident_state_cache_bytes ") }
        let cached = line.flatMap { Double($0.split(separator: " ").last ?? "") }
        #expect(cached != nil, "no evident_state_cache_bytes gauge")
        #expect((cached ?? .infinity) <= 2_000_000, "the cache holds \(cached ?? -1) bytes")
        #expect((cached ?? 0) >= 1_000_000, "the cache keeps what fits")
        server.kill(signal: SIGTERM)
    }

    // MARK: Smaller items

    @Test("a body shorter than its Content-Length answers 400, not 500")
    func truncatedBody() async throws {
        let directory = try TemporaryDirectory()
        let server = try ServerProcess(directory: directory, spec: ServeLiveTests.shopSpec)
        let socket = try HeldSocket(port: server.port)
        socket.send(
            "POST /cart/\(ProbeSpec.id())/was_opened HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n"
                + #"{"data": {"#)
        shutdown(socket.descriptor, Int32(SHUT_WR))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        var time = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket.descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        while true {
            let count = recv(socket.descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let answer = String(decoding: received, as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
        let metrics = try RawHTTP.request(port: server.port, method: "GET", path: "/_metrics").body
        #expect(!metrics.contains("status=\"500\""), "a 500 was answered")
        server.kill(signal: SIGTERM)
    }

    /// `{"blob": "xxx…"}` whose string has `length` characters.
    private func blob(_ length: Int) -> String { #"{"blob": "\#(String(repeating: "x", count: length))"}"# }
}
