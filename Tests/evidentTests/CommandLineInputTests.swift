import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What `evident append` refuses before it stores anything: input that is not UTF-8, data over the size limit,
/// and `--db` paths that cannot hold a database.
@Suite("evident command-line input", .onBlockingThreads)
struct CommandLineInputTests {
    /// Bytes that are not UTF-8 (written with printf, since `Process` passes only valid UTF-8), and what the
    /// one-line error must say. `$1` is the `evident` executable, `$2` the database.
    static let notUTF8: [(script: String, message: String)] = [
        (
            #""$1" append order:1 was_placed --db "$2" --data "$(printf '{"a":"\377"}')""#,
            #"(after --data) is not valid UTF-8: invalid byte at offset 6."#
        ),
        (
            #""$1" append order:1 was_placed --db "$2" --data="$(printf '{"a":"x\303"}')""#,
            "The value of --data is not valid UTF-8: invalid byte at offset 7."
        ),
        (
            #"printf '{"a":"\355\240\200"}' | "$1" append order:1 was_placed --db "$2" --data -"#,
            "The event data on standard input is not valid UTF-8: invalid byte at offset 6."
        ),
        (
            #""$1" append order:1 "$(printf 'was_\377placed')" --db "$2""#,
            "(after order:1) is not valid UTF-8: invalid byte at offset 4."
        ),
    ]

    @Test("input that is not UTF-8 exits 64, says where, and stores nothing", arguments: notUTF8)
    func refusesInvalidUTF8(_ script: String, message: String) throws {
        let directory = try TemporaryDirectory()
        let result = try shell(script, database: directory.file("evident.sqlite"))
        #expect(result.status == 64)
        #expect(result.error.hasPrefix("error: ") && result.error.hasSuffix(message + "\n"), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test("a U+FFFD written as valid UTF-8 is data like any other")
    func acceptsReplacementCharacter() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("evident.sqlite")
        let result = try shell(
            #""$1" append order:1 was_placed --db "$2" --data "$(printf '{"a":"\357\277\275"}')""#,
            database: path)
        #expect(result.status == 0, "\(result.error)")
        let events = try await SQLiteEventStore(path: path).readStream(StreamName("order:1"))
        #expect(events.map(\.data) == [["a": "\u{FFFD}"]])
    }

    /// `{"x":"aaa…"}` of exactly `size` bytes, compact as the store keeps it.
    func data(ofSize size: Int) -> String {
        #"{"x":""# + String(repeating: "a", count: size - 8) + #""}"#
    }

    @Test("event data of exactly 1 MiB is stored; 1 byte more exits 64 naming the limit and stores nothing")
    func dataSizeLimit() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("evident.sqlite")
        let over = try EvidentBinary.run(
            ["append", "order:1", "was_placed", "--data", "-", "--db", path], input: data(ofSize: 1_048_577))
        #expect(over.status == 64)
        #expect(
            over.error == "error: The event data on standard input is larger than the limit of 1048576 bytes.\n")
        #expect(!FileManager.default.fileExists(atPath: path))

        let exact = try EvidentBinary.run(
            ["append", "order:1", "was_placed", "--data", "-", "--db", path], input: data(ofSize: 1_048_576))
        #expect(exact.status == 0, "\(exact.error)")
        let events = try await SQLiteEventStore(path: path).readStream(StreamName("order:1"))
        #expect(events.map { $0.data.serialized().count } == [1_048_576])
    }

    /// The files SQLite would put next to a database.
    static func companions(of path: String) -> [String] {
        ["-journal", "-wal", "-shm"].map { path + $0 }
    }

    @Test(
        "a --db path that cannot hold a database exits 64 with one line and creates nothing",
        arguments: ["device", "directory", "fifo", "missing directory"], ["append", "read"])
    func refusesPathsThatAreNotFiles(_ kind: String, command: String) throws {
        let directory = try TemporaryDirectory()
        let path: String
        let message: String
        switch kind {
        case "device":
            path = "/dev/null"
            message = "/dev/null is a character device, not a file; an Evident database must be a regular file."
            // A run of an older evident may have left these behind; they must not come back.
            for file in Self.companions(of: path) { try? FileManager.default.removeItem(atPath: file) }
        case "directory":
            path = directory.file("folder")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            message = "\(path) is a directory, not a file; an Evident database must be a regular file."
        case "fifo":
            path = directory.file("pipe")
            #expect(mkfifo(path, 0o600) == 0)
            message = "\(path) is a named pipe (FIFO), not a file; an Evident database must be a regular file."
        default:
            path = directory.file("missing/evident.sqlite")
            message =
                command == "append"
                ? "Cannot create the database \(path): directory \(directory.file("missing")) does not exist."
                : "No Evident database at \(path)."
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        let arguments = command == "append" ? ["append", "order:1", "was_placed"] : ["read", "order:1"]
        let result = try EvidentBinary.run(arguments + ["--db", path], in: directory.path)
        #expect(result.status == 64)
        #expect(result.output.isEmpty)
        #expect(result.error == "error: \(message)\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == before)
        for file in Self.companions(of: path) { #expect(!FileManager.default.fileExists(atPath: file), "\(file)") }
    }

    /// Runs `script` with `sh`, passing the `evident` executable as `$1` and `database` as `$2`.
    func shell(_ script: String, database: String) throws -> (status: Int32, error: String) {
        let run = try EvidentBinary.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", script, "sh", EvidentBinary.url.path, database])
        return (run.status, run.error)
    }
}
