import Evident
import EvidentTesting
import Foundation
import Testing

/// Personal data through the real binary: a server with a master key, the database's files scanned for
/// values in clear, forgetting over HTTP and with `evident forget`.
@Suite("Personal data, live", .onBlockingThreads)
struct PrivacyCommandTests {
    static let spec = """
        {"agent_types": ["user"], "aggregate_types": {"customer": {"events": {"was_registered": {
          "schema": {"type": "object", "required": ["email"], "properties": {
            "email": {"type": "string", "x-personal": true},
            "name": {"type": "string", "x-personal": true, "x-forgotten": "[forgotten]"},
            "plan": {"type": "string"}}},
          "handler": [{"merge": {"target": "", "value": "$.data"}}]}}}}}
        """
    static let actor = #"{"actor": {"type": "user", "id": "a00000001"}}"#

    /// Values no file may hold in clear, one per customer.
    static func email(_ customer: String) -> String { "ada.\(customer)@example.com" }
    /// A value that is not personal, which the files hold in clear: proof the scan reads the data.
    static func plan(_ customer: String) -> String { "plan-\(customer)" }

    struct Setup {
        let directory: TemporaryDirectory
        let specFile: String
        let keyFile: String

        init() throws {
            directory = try TemporaryDirectory()
            specFile = directory.file("spec.json")
            keyFile = directory.file("master.key")
            try PrivacyCommandTests.spec.write(toFile: specFile, atomically: true, encoding: .utf8)
            try String(repeating: "5a", count: 32).write(toFile: keyFile, atomically: true, encoding: .utf8)
        }
    }

    /// Registers customers through the server and forgets the first over HTTP; returns their ids.
    static func registerAndForget(_ server: ServerProcess) throws -> [String] {
        let customers = (0..<2).map { _ in UUID().uuidString.lowercased() }
        for customer in customers {
            let written = try RawHTTP.request(
                port: server.port, method: "POST", path: "/customer/\(customer)/was_registered",
                body:
                    #"{"data": {"email": "\#(email(customer))", "name": "Ada", "plan": "\#(plan(customer))"}, "metadata": \#(actor)}"#
            )
            #expect(written.status == 201, "\(written.body)")
        }
        let forgotten = try RawHTTP.request(
            port: server.port, method: "DELETE", path: "/_subjects/customer:\(customers[0])?reason=asked")
        #expect(forgotten.status == 200, "\(forgotten.body)")
        #expect(try JSON(parsing: forgotten.body)["receipt"]?["events"] == 1, "\(forgotten.body)")
        let state = try RawHTTP.request(port: server.port, method: "GET", path: "/customer/\(customers[0])")
        #expect(
            try JSON(parsing: state.body)["data"] == [
                "email": nil, "name": "[forgotten]", "plan": .string(plan(customers[0])),
            ],
            "\(state.body)")
        let kept = try RawHTTP.request(port: server.port, method: "GET", path: "/customer/\(customers[1])")
        #expect(try JSON(parsing: kept.body)["data"]?["email"] == .string(email(customers[1])), "\(kept.body)")
        return customers
    }

    /// Every file under `path` (or `path` itself), concatenated.
    static func contents(of paths: [String]) -> Data {
        var bytes = Data()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else {
                bytes += FileManager.default.contents(atPath: path) ?? Data()
                continue
            }
            for case let file as String in FileManager.default.enumerator(atPath: path) ?? .init() {
                bytes += FileManager.default.contents(atPath: path + "/" + file) ?? Data()
            }
        }
        return bytes
    }

    @Test("SQLite: no value in clear in the file or its WAL; forgotten over HTTP and with evident forget")
    func sqlite() throws {
        let setup = try Setup()
        let database = setup.directory.file("evident.sqlite")
        let store = ["--db", database, "--master-key-file", setup.keyFile]
        let server = try ServerProcess(store: store, spec: setup.specFile)
        let customers: [String]
        do {
            defer { server.kill(signal: SIGTERM) }
            customers = try Self.registerAndForget(server)
        }
        let files = Self.contents(of: [database, database + "-wal", database + "-shm"])
        for customer in customers {
            #expect(files.range(of: Data(Self.email(customer).utf8)) == nil, "an e-mail is stored in clear")
            #expect(files.range(of: Data(Self.plan(customer).utf8)) != nil, "the scan does not see the data")
        }

        let read = try EvidentBinary.run(["read", "customer:\(customers[0])", "--json"] + store)
        #expect(read.status == 0, "\(read.error)")
        #expect(read.output.contains(#""forgotten":["data.email","data.name"]"#), "\(read.output)")
        let forget = try EvidentBinary.run(
            ["forget", "customer:\(customers[1])", "--reason", "erasure request", "--json"] + store)
        #expect(forget.status == 0, "\(forget.error)")
        let receipt = try JSON(parsing: forget.output)
        #expect(receipt["events"] == 1 && receipt["reason"] == "erasure request", "\(forget.output)")
        #expect(receipt["streams"] == [.string("customer:\(customers[1])")], "\(forget.output)")
        let again = try EvidentBinary.run(["forget", "customer:\(customers[1])"] + store)
        #expect(again.status == 2 && again.error.contains("forgotten already"), "\(again.error)")
        let state = try EvidentBinary.run(["read", "customer:\(customers[1])", "--json"] + store)
        #expect(!state.output.contains(Self.email(customers[1])), "\(state.output)")

        // Keys wrapped with the master key do not open without it.
        _ = try EvidentBinary.run(["forget", "nobody"] + store)
        let server2 = try ServerProcess(store: store, spec: setup.specFile)
        let third = UUID().uuidString.lowercased()
        _ = try RawHTTP.request(
            port: server2.port, method: "POST", path: "/customer/\(third)/was_registered",
            body: #"{"data": {"email": "\#(Self.email(third))"}, "metadata": \#(Self.actor)}"#)
        server2.kill(signal: SIGTERM)
        let withoutKey = try EvidentBinary.run(["read", "customer:\(third)", "--db", database])
        #expect(withoutKey.status == 1 && withoutKey.error.contains("master key"), "\(withoutKey.error)")
        let badKey = try EvidentBinary.run([
            "read", "customer:\(third)", "--db", database, "--master-key-file", setup.specFile,
        ])
        #expect(badKey.status == 64 && badKey.error.contains("64 hex digits"), "\(badKey.error)")
    }

    @Test(
        "PostgreSQL: no value in clear anywhere in the cluster's files, WAL included",
        .enabled(if: PostgresTestServer.isEnabled))
    func postgres() throws {
        let setup = try Setup()
        let postgres = try PrivatePostgres()
        defer { postgres.stop() }
        let server = try ServerProcess(
            store: ["--store", postgres.url, "--master-key-file", setup.keyFile], spec: setup.specFile)
        let customers: [String]
        do {
            defer { server.kill(signal: SIGTERM) }
            customers = try Self.registerAndForget(server)
        }
        try postgres.crash()
        let files = Self.contents(of: [postgres.directory])
        #expect(files.count > 1_000_000, "the cluster's files were not read")
        for customer in customers {
            #expect(files.range(of: Data(Self.email(customer).utf8)) == nil, "an e-mail is stored in clear")
            #expect(files.range(of: Data(Self.plan(customer).utf8)) != nil, "the scan does not see the data")
        }
    }
}
