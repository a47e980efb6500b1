import Evident
import EvidentTesting
import Foundation
import Testing

@Suite(
    "serve --read-store: reads from a streaming replica", .onBlockingThreads, .enabled(if: PostgresTestServer.isEnabled)
)
struct PostgresReplicaServeTests {
    @Test("a read with the write's position as its token sees the write, through the replica")
    func readYourWrites() throws {
        let urls = try PostgresTestServer.freshURLs(prefix: "replica")
        let server = try ServerProcess(
            store: ["--store", urls.primary, "--read-store", urls.replica], spec: ServeLiveTests.shopSpec)
        defer { server.kill(signal: SIGTERM) }
        for round in 0..<20 {
            let cart = UUID().uuidString.lowercased()
            let opened = try RawHTTP.request(
                port: server.port, method: "POST", path: "/cart/\(cart)/was_opened",
                body: #"{"data": {"customer_id": "c\#(round)"}, "metadata": \#(ServeLiveTests.actor)}"#)
            #expect(opened.status == 201, "\(opened.body)")
            let position = try #require(try JSON(parsing: opened.body)["position"]?.number)
            let state = try RawHTTP.request(
                port: server.port, method: "GET", path: "/cart/\(cart)?after=\(Int(position))&wait=30")
            #expect(state.status == 200, "\(state.body)")
            #expect(try JSON(parsing: state.body)["data"]?["customer_id"] == .string("c\(round)"), "\(state.body)")
            let log = try RawHTTP.request(
                port: server.port, method: "GET", path: "/_log?after=\(Int(position) - 1)&wait=30",
                headers: ["Evident-After": "\(Int(position))"])
            #expect(log.status == 200 && log.body.contains(cart), "\(log.body)")
        }
        // The reads went to the replica: the server names it as its read database.
        let replica = try #require(urls.replica.split(separator: "?").first)
        let lines = server.server.error.text
        #expect(lines.contains("read_database=\(replica)"), "\(lines)")
    }

    @Test("--read-store with a SQLite store is refused")
    func sqliteRefused() throws {
        let directory = try TemporaryDirectory()
        let result = try EvidentBinary.run([
            "serve", "--db", directory.file("e.sqlite"), "--read-store", try PostgresTestServer.freshURLs().replica,
        ])
        #expect(result.status == 64 && result.error.contains("--read-store"), "\(result.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
