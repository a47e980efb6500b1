import Evident
import EvidentTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Faults under load, with real processes: PostgreSQL crashing and coming back, a node killed, a lock held.
@Suite("PostgreSQL faults under load", .onBlockingThreads, .serialized, .enabled(if: PostgresTestServer.isEnabled))
struct PostgresFaultTests {
    /// The nodes' request timeout, and how long a client waits for an answer: 3 times as long, a bound that
    /// only a hang reaches.
    static let requestTimeout = 10
    static let answerTimeout = Double(3 * requestTimeout)
    static let node = ["--request-timeout", "\(requestTimeout)"]

    @Test("PostgreSQL crashes and restarts under load: 201 or 503, the node recovers, no write lost or doubled")
    func postgresRestart() async throws {
        let postgres = try PrivatePostgres()
        defer { postgres.stop() }
        let node = try ServerProcess(
            store: ["--store", postgres.url], spec: ServeLiveTests.shopSpec,
            extraArguments: Self.node)
        let load = try KeyedLoad(clients: 4, ports: [node.port])
        async let run: Void = load.run()

        // Crash once writes are being acknowledged; start again once the outage has been answered 503.
        let before = await load.state.wait(timeout: .seconds(120)) { $0.acknowledged.count >= 20 }
        try #require(before.held, "no writes acknowledged: \(before.value.problems)")
        try postgres.crash()
        let outage = await load.state.wait(timeout: .seconds(120)) { $0.statuses[503, default: 0] >= 1 }
        try postgres.start()
        let restarted = load.state.current.acknowledged.count
        let after = await load.state.wait(timeout: .seconds(120)) { $0.acknowledged.count >= restarted + 20 }
        load.stop()
        await run

        try #require(outage.held, "no 503 while PostgreSQL was down: \(outage.value.statuses)")
        #expect(after.held, "the node did not recover: \(load.state.current.statuses)")
        #expect(node.process.isRunning)
        let state = load.state.current
        #expect(state.problems.isEmpty, "\(state.problems.count) problems, first: \(state.problems.prefix(5))")
        #expect(state.unanswered.isEmpty, "requests without an answer: \(state.unanswered)")
        try load.checkLog(port: node.port)
    }

    @Test("a node killed with SIGKILL during writes loses no acknowledged write; retries on another node")
    func killedNode() async throws {
        let url = try PostgresTestServer.freshURL(prefix: "faults")
        let (a, b) = try (
            ServerProcess(store: ["--store", url], spec: ServeLiveTests.shopSpec, extraArguments: Self.node),
            ServerProcess(store: ["--store", url], spec: ServeLiveTests.shopSpec, extraArguments: Self.node)
        )
        // Clients write through A; a write A leaves unanswered is retried, with its key, on B.
        let load = try KeyedLoad(clients: 4, ports: [a.port, b.port])
        async let run: Void = load.run()

        let pid = a.process.processIdentifier
        let reached = await load.state.wait(timeout: .seconds(120)) {
            $0.acknowledged.count >= 30
        } then: { _ in
            _ = Glibc.kill(pid, SIGKILL)
        }
        a.kill()
        let killed = load.state.current.acknowledged.count
        let after = await load.state.wait(timeout: .seconds(120)) { $0.acknowledged.count >= killed + 20 }
        load.stop()
        await run

        try #require(reached.held, "no writes acknowledged: \(reached.value.problems)")
        #expect(after.held, "writes did not resume on B: \(load.state.current.statuses)")
        let state = load.state.current
        #expect(state.problems.isEmpty, "\(state.problems.count) problems, first: \(state.problems.prefix(5))")
        // Each client lost A once (a request in flight, or the next one refused) and went on with B.
        #expect(state.unanswered == [a.port: load.carts.count], "\(state.unanswered)")
        #expect(Set(state.acknowledged.map(\.port)) == [a.port, b.port])
        try load.checkLog(port: b.port)
    }

    @Test("a held log-head lock: writes answer 503 at the statement timeout, reads still answer, writes resume")
    func heldLock() async throws {
        // A transaction that holds the log head's row lock stands for a stuck client of the database. Writes wait
        // for the lock one batch at a time, on one connection of the pool, each batch at most the statement
        // timeout; then they answer 503 instead of hanging. The pool of 4 is never used up by waiting writes, so
        // reads (which take no lock) go on answering meanwhile.
        let url = try PostgresTestServer.freshURL(prefix: "faults", statementTimeout: 1)
        let schema = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "schema" }?.value)
        let node = try ServerProcess(
            store: ["--store", url + "&pool_size=4"], spec: ServeLiveTests.shopSpec,
            extraArguments: Self.node)
        let cart = UUID().uuidString.lowercased()
        try ServeLiveTests.open([cart], port: node.port)
        let port = node.port
        @Sendable func addItem() throws -> RawHTTP.Response {
            try RawHTTP.request(
                port: port, method: "POST", path: "/cart/\(cart)/item_was_added",
                body: PostgresNodesTests.item("a"), timeout: Self.answerTimeout)
        }

        let holder = try LockHolder(
            url: try PostgresTestServer.url(), sql: "SELECT position FROM \(schema).log_head FOR UPDATE")
        defer { holder.release() }
        let writers = 8
        let writes = Locked<[RawHTTP.Response]>([])
        let reads = Locked<[RawHTTP.Response]>([])
        // 8 writers (twice the pool) write twice each; 2 readers read until every write is answered.
        await onThreads(writers + 2) { thread in
            if thread < writers {
                for _ in 0..<2 {
                    let answer = (try? addItem()) ?? RawHTTP.Response(status: 0, head: "", body: "no answer")
                    writes.withLock { $0.append(answer) }
                }
            } else {
                while writes.withLock({ $0.count }) < writers * 2 {
                    for path in ["/cart/\(cart)", "/_log"] {
                        let answer = try? RawHTTP.request(
                            port: port, method: "GET", path: path, timeout: Self.answerTimeout)
                        reads.withLock { $0.append(answer ?? RawHTTP.Response(status: 0, head: "", body: "no answer")) }
                    }
                }
            }
        }
        let refused = writes.withLock { $0 }
        #expect(refused.allSatisfy { $0.status == 503 }, "\(refused.map { "\($0.status) \($0.body)" })")
        for answer in refused where answer.status == 503 {
            #expect(answer.header("Retry-After") == "1")
            #expect(answer.body.contains("statement timeout"), "\(answer.body)")
        }
        let served = reads.withLock { $0 }
        #expect(
            !served.isEmpty && served.allSatisfy { $0.status == 200 }, "\(served.map { "\($0.status) \($0.body)" })")

        holder.release()
        let resumed = try addItem()
        #expect(resumed.status == 201, "\(resumed.body)")
        // None of the refused writes was written.
        #expect(try JSON(parsing: resumed.body)["version"] == 2, "\(resumed.body)")
    }
}

/// Clients that each write to a cart of their own, one `item_was_added` per idempotency key (the key is also
/// the event's `sku`), and retry each write with its key until it is answered 201, as a careful client does:
/// after a 503 once its `Retry-After` has passed, after no answer on the next of `ports` (if any).
final class KeyedLoad: Sendable {
    struct Acknowledged: Sendable {
        var cart: String
        var key: String
        var position: Int
        var port: Int
    }

    struct State: Sendable {
        var acknowledged: [Acknowledged] = []
        /// The keys each cart's client sent, in order.
        var sent: [String: [String]] = [:]
        /// The answers, counted by status.
        var statuses: [Int: Int] = [:]
        /// Requests that got no answer within the client's timeout, counted by port.
        var unanswered: [Int: Int] = [:]
        /// Answers that break the rules: a status other than 201 or 503, a 503 without `Retry-After: 1` or a
        /// message that says to try again.
        var problems: [String] = []
        var stopped = false
    }

    let state = Watched(State())
    let carts: [String]
    let ports: [Int]

    /// Opens a cart for each client through the first port.
    init(clients: Int, ports: [Int]) throws {
        self.ports = ports
        carts = (0..<clients).map { _ in UUID().uuidString.lowercased() }
        try ServeLiveTests.open(carts, port: ports[0])
    }

    /// Runs the clients until ``stop()``; each finishes the write it has begun.
    func run() async {
        // Only ends a failing run: a client still without a 201 by then gives up.
        let giveUp = Date().addingTimeInterval(180)
        await onThreads(carts.count) { [self] client in
            let cart = carts[client]
            var port = 0
            for number in 0... {
                guard !state.current.stopped else { return }
                let key = "c\(client)-\(number)"
                state.update { $0.sent[cart, default: []].append(key) }
                retrying: while true {
                    guard Date() < giveUp else {
                        state.update { $0.problems.append("\(key) was never answered 201") }
                        return
                    }
                    guard
                        let answer = try? RawHTTP.request(
                            port: ports[port], method: "POST", path: "/cart/\(cart)/item_was_added",
                            body: PostgresNodesTests.item(key), headers: ["Idempotency-Key": key],
                            timeout: PostgresFaultTests.answerTimeout)
                    else {
                        state.update { $0.unanswered[ports[port], default: 0] += 1 }
                        port = min(port + 1, ports.count - 1)
                        continue
                    }
                    state.update { $0.statuses[answer.status, default: 0] += 1 }
                    let message = (try? JSON(parsing: answer.body))?["error"]?.string ?? ""
                    switch answer.status {
                    case 201:
                        let position = Int((try? JSON(parsing: answer.body))?["position"]?.number ?? 0)
                        state.update {
                            $0.acknowledged.append(.init(cart: cart, key: key, position: position, port: ports[port]))
                        }
                        break retrying
                    case 503 where answer.header("Retry-After") == "1" && message.contains("try again"):
                        Thread.sleep(forTimeInterval: 1)
                    default:
                        state.update { $0.problems.append("\(key): \(answer.status) \(answer.head) \(answer.body)") }
                    }
                }
            }
        }
    }

    func stop() {
        state.update { $0.stopped = true }
    }

    /// Checks the carts as read through `port`: each key sent wrote exactly one event, and each acknowledged
    /// write is at the position it was answered.
    func checkLog(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let state = state.current
        let positions = Dictionary(state.acknowledged.map { ($0.key, $0.position) }) { first, _ in first }
        for cart in carts {
            let read = try RawHTTP.request(port: port, method: "GET", path: "/cart/\(cart)/events?limit=1000")
            let events = try #require(try JSON(parsing: read.body)["events"]?.array, "\(read.body)")
            let written = events.dropFirst().map {
                ($0["data"]?["sku"]?.string ?? "", Int($0["position"]?.number ?? 0))
            }
            #expect(written.map(\.0) == state.sent[cart], "cart \(cart)", sourceLocation: sourceLocation)
            for (key, position) in written {
                #expect(positions[key] == position, "\(key)", sourceLocation: sourceLocation)
            }
        }
        #expect(state.acknowledged.count == state.sent.values.map(\.count).reduce(0, +), sourceLocation: sourceLocation)
    }
}

/// `psql` holding a row lock in an open transaction until ``release()``.
final class LockHolder {
    let process = Process()
    let input = Pipe()
    let output: ProcessOutput

    /// Runs `BEGIN` and `query` (which takes the lock) on `url`; returns once the query has answered.
    init(url: String, sql query: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/lib/postgresql/15/bin/psql")
        process.arguments = ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url]
        let outputPipe = Pipe()
        process.standardInput = input
        process.standardOutput = outputPipe
        process.standardError = outputPipe
        output = ProcessOutput(outputPipe)
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN;\n\(query);\n\\echo locked\n".utf8))
        let (lines, held) = output.lines.wait(timeout: .seconds(60)) { $0.complete.contains("locked") || $0.ended }
        guard held, lines.complete.contains("locked") else {
            throw ProcessWaitFailure(description: "psql did not take the lock: \(output.text)")
        }
    }

    /// Rolls the transaction back and waits for `psql` to exit; does nothing the second time.
    func release() {
        guard process.isRunning else { return }
        input.fileHandleForWriting.write(Data("ROLLBACK;\n".utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
