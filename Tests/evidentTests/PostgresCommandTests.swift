import Evident
import EvidentTesting
import Foundation
import Testing

/// The commands with `--store postgres://…`, through the built binary, against the test cluster.
@Suite("evident commands on PostgreSQL", .onBlockingThreads, .enabled(if: PostgresTestServer.isEnabled))
struct PostgresCommandTests {
    /// A URL of a fresh schema with a password in it (the test cluster accepts any), so that a test can check
    /// that the password is never printed.
    static func freshURL() throws -> (url: String, password: String) {
        var components = try #require(URLComponents(string: try PostgresTestServer.freshURL(prefix: "cli")))
        if components.password == nil { components.password = "hunter2x\(UInt32.random(in: 1_000...9_999))" }
        return (try #require(components.string), try #require(components.password))
    }

    @Test("append, read, log, info, keys, spec put, spec get and state with --store postgres://")
    func commands() throws {
        let (url, password) = try Self.freshURL()
        let directory = try TemporaryDirectory()
        var printed = ""
        func evident(_ arguments: [String], input: String? = nil) throws -> (
            status: Int32, output: String, error: String
        ) {
            let result = try EvidentBinary.run(arguments + ["--store", url], input: input, in: directory.path)
            printed += result.output + result.error
            return result
        }

        let placed = try evident([
            "append", "order:42", "was_placed", "--data", #"{"total": 12.5}"#, "--expected-version", "no-stream",
            "--actor", "user:7",
        ])
        #expect(placed.status == 0 && placed.output == "order:42 v1 at position 1\n", "\(placed.error)")
        let paid = try evident(
            ["append", "order:42", "was_paid", "--data", "-", "--expected-version", "1", "--json"],
            input: #"{"amount": 12.5}"#)
        #expect(paid.output == #"{"position":2,"replayed":false,"stream":"order:42","version":2}"# + "\n")
        let conflict = try evident(["append", "order:42", "was_paid", "--expected-version", "1"])
        #expect(conflict.status == 3, "\(conflict.error)")
        _ = try evident(["append", "cart:1", "was_created", "--idempotency-key", "req-1"])
        let retry = try evident(["append", "cart:1", "was_created", "--idempotency-key", "req-1"])
        #expect(
            retry.output
                == "cart:1 v1 at position 3 (replayed: this idempotency key was already used; nothing written)\n")

        let read = try evident(["read", "order:42", "--json"])
        let events = try read.output.split(separator: "\n").map { try JSON(parsing: String($0)) }
        #expect(events.map { $0["type"] } == ["was_placed", "was_paid"], "\(read.error)")
        #expect(events.first?["metadata"]?["actor"] == ["id": "7", "type": "user"])
        let log = try evident(["log", "--after", "1", "--type", "was_paid"])
        #expect(log.output.split(separator: "\n").count == 1 && log.output.hasPrefix("2  order:42 v2  "))
        let info = try evident(["info", "order:42", "--json"])
        #expect(try JSON(parsing: info.output.trimmingCharacters(in: .newlines))["length"] == 2, "\(info.error)")

        // Without a spec, the message names the store by its URL, without the password.
        let cart = "cart:\(EngineCommandTests.cart)"
        let noSpec = try evident(["state", cart])
        #expect(noSpec.status == 1, "\(noSpec.error)")
        #expect(noSpec.error.contains("holds no spec; store one with `evident spec put FILE --store 'postgres://"))
        #expect(noSpec.error.contains(":***@"), "\(noSpec.error)")

        #expect(try EvidentBinary.run(["spec", "init", "my.json"], in: directory.path).status == 0)
        // The starter spec declares neither order:42's events nor cart:1's was_created: refused unless forced.
        let refusedSpec = try evident(["spec", "put", "my.json"])
        #expect(refusedSpec.status == 1 && refusedSpec.error.contains("--force"), "\(refusedSpec.error)")
        let put = try evident(["spec", "put", "my.json", "--force"])
        #expect(put.output.hasPrefix("stored spec version 1 (hash sha256:"), "\(put.error)")
        let get = try evident(["spec", "get", "--json"])
        #expect(try JSON(parsing: get.output.trimmingCharacters(in: .newlines))["version"] == 1, "\(get.error)")
        let item = try evident([
            "append", cart, "item_was_added", "--actor", EngineCommandTests.user, "--data",
            #"{"product_id": "tea", "quantity": 2, "unit_price": 4.5}"#,
        ])
        #expect(item.status == 0 && item.output.hasPrefix("\(cart) v1 at position "), "\(item.error)")
        let refused = try evident([
            "append", cart, "item_was_added", "--actor", EngineCommandTests.user, "--data",
            #"{"product_id": "tea", "quantity": 0, "unit_price": 4.5}"#,
        ])
        #expect(refused.status == 64, "\(refused.error)")
        let state = try evident(["state", cart, "--json"])
        let folded = try JSON(parsing: state.output.trimmingCharacters(in: .newlines))
        #expect(folded["metadata"]?["length"] == 1, "\(state.error)")

        let key = try evident(["keys", "create", "--scope", "admin", "--json"])
        let id = try JSON(parsing: key.output.trimmingCharacters(in: .newlines))["id"]
        let keys = try evident(["keys", "list", "--json"])
        #expect(try JSON(parsing: keys.output.trimmingCharacters(in: .newlines))["id"] == id, "\(keys.error)")

        #expect(!printed.contains(password))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["my.json"])
    }

    @Test("serve --store postgres:// answers a write and a read; the write outlives the server")
    func serve() throws {
        let (url, password) = try Self.freshURL()
        let server = try ServerProcess(store: ["--store", url], spec: ServeLiveTests.shopSpec)
        let cart = UUID().uuidString.lowercased()
        let opened = try RawHTTP.request(
            port: server.port, method: "POST", path: "/cart/\(cart)/was_opened",
            body: #"{"data": {"customer_id": "ada"}, "metadata": \#(ServeLiveTests.actor)}"#)
        #expect(opened.status == 201, "\(opened.body)")
        let state = try RawHTTP.request(port: server.port, method: "GET", path: "/cart/\(cart)")
        #expect(state.status == 200, "\(state.body)")
        #expect(try JSON(parsing: state.body)["data"]?["customer_id"] == "ada", "\(state.body)")
        server.kill(signal: SIGTERM)
        #expect(server.process.terminationStatus == 0)
        let log = server.server.error.text
        #expect(log.contains("database=postgres://") && !log.contains(password), "\(log)")

        let read = try EvidentBinary.run(["read", "cart:\(cart)", "--store", url])
        #expect(read.output.contains("  was_opened  "), "\(read.error)")
    }

    @Test("bench --store postgres:// runs the store workloads in a fresh schema, not the URL's, and the baseline")
    func bench() throws {
        let (url, password) = try Self.freshURL()
        let result = try EvidentBinary.run(
            ["bench", "--store", url, "--workloads", "a,d", "--appends", "100", "--concurrency", "4", "--baseline"])
        #expect(result.status == 0, "\(result.error)")
        let figures = try result.output.split(separator: "\n").map { try JSON(parsing: String($0)) }
        #expect(
            figures.map { $0["workload"] } == [
                "a_single_appends", "d_read_log", "baseline_one_row_per_transaction", "baseline_one_transaction",
            ], "\(result.output)")
        #expect(figures[1]["events"] == 100 && figures[1]["durability"]?["store"] == "postgresql")
        #expect(figures.allSatisfy { $0["durability"]?["fsync"] == "on" && $0["events"] == 100 }, "\(result.output)")
        #expect(!(result.output + result.error).contains(password))
        // The URL's own schema was never created: a command that only reads refuses it.
        let log = try EvidentBinary.run(["log", "--store", url])
        #expect(log.status != 0 && log.error.contains("No Evident schema"), "\(log.error)")
    }
}
