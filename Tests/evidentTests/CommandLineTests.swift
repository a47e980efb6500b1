import EvidentTesting
import Foundation
import Testing

@Suite("evident command line", .onBlockingThreads)
struct CommandLineTests {
    @Test("append, read, log and info work as the README shows")
    func readmeWalkthrough() throws {
        let directory = try TemporaryDirectory()
        let append = try EvidentBinary.run(
            [
                "append", "order:42", "was_placed", "--data", #"{"total": 12.5}"#, "--expected-version", "no-stream",
                "--actor", "user:7",
            ], in: directory.path)
        #expect(append.status == 0, "\(append.error)")
        #expect(append.output == "order:42 v1 at position 1\n")
        #expect(FileManager.default.fileExists(atPath: directory.file("evident.sqlite")))

        let second = try EvidentBinary.run(
            ["append", "order:42", "was_paid", "--data", "-", "--expected-version", "1", "--json"],
            input: #"{"amount": 12.5}"#, in: directory.path)
        #expect(second.output == #"{"position":2,"replayed":false,"stream":"order:42","version":2}"# + "\n")

        let read = try EvidentBinary.run(["read", "order:42", "--json"], in: directory.path)
        let lines = read.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].contains(#""type":"was_placed""#) && lines[0].contains(#""actor":{"id":"7","type":"user"}"#))

        let backward = try EvidentBinary.run(["read", "order:42", "--backward", "--limit", "1"], in: directory.path)
        #expect(backward.output.contains("was_paid") && !backward.output.contains("was_placed"))

        let past = try EvidentBinary.run(["read", "order:42", "--at", "0"], in: directory.path)
        #expect(past.status == 0 && past.output.isEmpty)
        #expect(past.error == "no events in order:42 recorded at or before 0\n")
        let pastJSON = try EvidentBinary.run(["read", "order:42", "--at", "0", "--json"], in: directory.path)
        #expect(pastJSON.status == 0 && pastJSON.output.isEmpty && pastJSON.error.isEmpty)

        let unknownKey = try EvidentBinary.run(["keys", "revoke", "nosuch"], in: directory.path)
        #expect(unknownKey.status == 1, "not found is 1; 64 is a bad command line")
        #expect(unknownKey.error == "error: No API key with id 'nosuch'.\n")

        let log = try EvidentBinary.run(["log", "--after", "1", "--type", "was_paid"], in: directory.path)
        #expect(log.output.split(separator: "\n").count == 1 && log.output.contains("order:42 v2"))

        let info = try EvidentBinary.run(["info", "order:42", "--json"], in: directory.path)
        #expect(info.output.contains(#""length":2"#))

        let conflict = try EvidentBinary.run(
            ["append", "order:42", "was_paid", "--expected-version", "1"], in: directory.path)
        #expect(conflict.status == 3)
        #expect(
            conflict.error
                == "error: Concurrent write detected on stream order:42: expected length 1, but it has 2 events.\n")

        let first = try EvidentBinary.run(
            ["append", "cart:1", "was_created", "--idempotency-key", "k"], in: directory.path)
        let retry = try EvidentBinary.run(
            ["append", "cart:1", "was_created", "--idempotency-key", "k"], in: directory.path)
        #expect(first.status == 0 && retry.status == 0)
        #expect(retry.output.contains("replayed"))
        let reuse = try EvidentBinary.run(
            ["append", "cart:1", "was_emptied", "--idempotency-key", "k"], in: directory.path)
        #expect(reuse.status == 4)
    }

    @Test("log --follow prints events written by another process")
    func follow() async throws {
        let directory = try TemporaryDirectory()
        _ = try EvidentBinary.run(["append", "order:1", "was_placed"], in: directory.path)
        let follower = try BackgroundEvident([
            "log", "--follow", "--limit", "3", "--db", directory.file("evident.sqlite"),
        ])
        // The stored event first; the next two are appended while it follows.
        try await follower.waitForLines("the stored event") { !$0.isEmpty }
        _ = try EvidentBinary.run(["append", "order:1", "was_paid"], in: directory.path)
        _ = try EvidentBinary.run(["append", "order:2", "was_placed"], in: directory.path)
        try await follower.waitForExit()
        #expect(follower.process.terminationStatus == 0)
        #expect(
            follower.output.lines.current.complete.map { $0.split(separator: " ", omittingEmptySubsequences: true)[0] }
                == [
                    "1", "2", "3",
                ])
    }

    @Test("serve refuses to start on an invalid spec, listing every problem, and creates nothing")
    func serveRefusesInvalidSpec() throws {
        let directory = try TemporaryDirectory()
        let spec = #"{"aggregate_types": {"Bad": {"events": {}}}, "agent_types": 3, "typo": 1}"#
        try Data(spec.utf8).write(to: URL(fileURLWithPath: directory.file("bad.json")))
        let result = try EvidentBinary.run(["serve", "--spec", "bad.json", "--port", "0"], in: directory.path)
        #expect(result.status == 1)
        #expect(result.error.contains("has 3 problem(s)"))
        #expect(result.error.contains("typo:") && result.error.contains("agent_types:"))
        #expect(result.error.contains("aggregate_types.Bad:"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("evident.sqlite")))
    }

    /// Bad input: a one-line error, a non-zero exit code, and nothing changed on disk.
    @Test(
        "bad input is refused with one line and changes nothing",
        arguments: [
            ["append", "order", "was_placed"],
            ["append", "Order 1:x", "was_placed"],
            ["append", "order:1", "was_placed", "--data", "{not json"],
            ["append", "order:1", "was_placed", "--data", "[1, 2]"],
            ["append", "order:1", "was_placed", "--expected-version", "-1"],
            ["append", "order:1", "was_placed", "--expected-version", "soon"],
            ["append", "order:1", "was_placed", "--actor", "nobody"],
            ["append", "order:1", "was placed"],
            ["read", "order:1", "--from", "-2"],
            ["read", "order:1", "--from", "two"],
            ["read", "order:1", "--limit", "0"],
            ["read", "order:1", "--at", "yesterday"],
            ["read", "order"],
            ["log", "--after", "-1"],
            ["log", "--limit", "x"],
            ["info", "nocolon"],
            ["append", "order:1", "was_placed", "--db", "/no/such/dir/evident.sqlite"],
            ["read", "order:1", "--db", "missing.sqlite"],
            ["append", "order:1", "was_placed", "--db", "not-a-database.txt"],
            ["log", "--db", "foreign.sqlite"],
            ["append", "order:1", "was_placed", "--db", "foreign.sqlite"],
        ])
    func badInput(_ arguments: [String]) throws {
        let directory = try TemporaryDirectory()
        _ = try EvidentBinary.run(["append", "order:1", "was_placed", "--data", #"{"a":1}"#], in: directory.path)
        try Data("hello, I am a text file\n".utf8).write(to: URL(fileURLWithPath: directory.file("not-a-database.txt")))
        let foreign = Process()
        foreign.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        foreign.arguments = [directory.file("foreign.sqlite"), "CREATE TABLE customers (id INTEGER);"]
        try foreign.run()
        foreign.waitUntilExit()
        let before = try snapshot(directory.path)

        let result = try EvidentBinary.run(arguments, in: directory.path)
        #expect(result.status != 0)
        #expect(result.output.isEmpty)
        #expect(result.error.hasPrefix("error: "))
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(try snapshot(directory.path) == before, "the command changed files on disk")
    }

    /// Every file in `directory` with its contents.
    func snapshot(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
        }
        return files
    }
}
