import Evident
import EvidentTesting
import Foundation
import Testing

@Suite("evident copy", .onBlockingThreads, .enabled(if: PostgresTestServer.isEnabled))
struct CopyCommandTests {
    @Test("copies a SQLite store into PostgreSQL and back; the copies print the same log and state")
    func copy() throws {
        let directory = try TemporaryDirectory()
        let sqlite = directory.file("source.sqlite")
        let postgres = try PostgresCommandTests.freshURL()
        func evident(_ arguments: [String]) throws -> String {
            let result = try EvidentBinary.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.error)")
            return result.output
        }
        _ = try evident(["spec", "put", ServeLiveTests.shopSpec, "--db", sqlite])
        _ = try evident(["keys", "create", "--scope", "read", "--db", sqlite])
        let carts = (0..<5).map { _ in UUID().uuidString.lowercased() }
        let customer = UUID().uuidString.lowercased()
        for cart in carts {
            _ = try evident([
                "append", "cart:\(cart)", "was_opened", "--data", #"{"customer_id": "ada"}"#, "--actor",
                "customer:\(customer)", "--db", sqlite,
            ])
        }

        let copied = try EvidentBinary.run(["copy", "--from", sqlite, "--to", postgres.url, "--json"])
        #expect(copied.status == 0, "\(copied.error)")
        let counts = try JSON(parsing: copied.output.trimmingCharacters(in: .newlines))
        // The spec and the key are events of system streams, and travel with the log.
        #expect(counts["events"] == 7, "\(copied.output)")
        #expect(!(copied.output + copied.error).contains(postgres.password))

        #expect(
            try evident(["log", "--json", "--store", postgres.url]) == evident(["log", "--json", "--db", sqlite]))
        #expect(
            try evident(["state", "cart:\(carts[3])", "--json", "--store", postgres.url])
                == evident(["state", "cart:\(carts[3])", "--json", "--db", sqlite]))

        let back = directory.file("back.sqlite")
        _ = try evident(["copy", "--from", postgres.url, "--to", back])
        #expect(try evident(["log", "--json", "--db", back]) == evident(["log", "--json", "--db", sqlite]))

        let again = try EvidentBinary.run(["copy", "--from", sqlite, "--to", postgres.url])
        #expect(again.status == 64 && again.error.contains("holds events"), "\(again.error)")
        let missing = try EvidentBinary.run(["copy", "--from", directory.file("none.sqlite"), "--to", back])
        #expect(missing.status == 64 && missing.error.contains("No Evident database"), "\(missing.error)")
    }
}
