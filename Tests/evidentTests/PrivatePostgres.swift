import Foundation

/// A PostgreSQL cluster of one test's own, for tests that stop or restart the server (the shared test
/// cluster must stay up for the tests running beside them). Started and stopped with
/// `scripts/postgres-cluster.sh`, as the `postgres` user; call ``stop()`` at the end, also on failure.
final class PrivatePostgres: Sendable {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = repository.appendingPathComponent("scripts/postgres-cluster.sh").path

    let directory: String
    /// The cluster's URL, without a schema.
    let url: String

    init() throws {
        directory = NSTemporaryDirectory() + "evident-private-postgres-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // The postgres user runs the cluster inside.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        url = try Self.run(["start", directory + "/cluster"]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the server at once (`pg_ctl -m immediate`: as a crash would, so the restart recovers from the WAL).
    func crash() throws {
        _ = try Self.run(["stop", directory + "/cluster"])
    }

    /// Starts the server again on its port; returns once it accepts connections.
    func start() throws {
        _ = try Self.run(["restart", directory + "/cluster"])
    }

    func stop() {
        _ = try? Self.run(["stop", directory + "/cluster"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs the script to completion, its output in files (see ``EvidentBinary/run(_:input:in:environment:)``).
    private static func run(_ arguments: [String]) throws -> String {
        let (status, output, error) = try EvidentBinary.run(URL(fileURLWithPath: script), arguments)
        guard status == 0 else {
            throw RawHTTP.Failure(description: "postgres-cluster.sh \(arguments.joined(separator: " ")): \(error)")
        }
        return output
    }
}
