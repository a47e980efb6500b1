import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

/// Several `evident` processes creating one new database at the same moment: the check that the file is
/// Evident's and the migrations must not see each other's half-done work.
@Suite("opening one new database from many processes", .onBlockingThreads)
struct OpenConcurrencyTests {
    static let processes = 8
    static let rounds = 50

    @Test("8 processes open one new file at once, 50 times: each exits 0 and each append is stored")
    func processesCreateOneFile() async throws {
        let directory = try TemporaryDirectory()
        for round in 0..<Self.rounds {
            let path = directory.file("round-\(round).sqlite")
            // Each process reads its data from standard input before it opens the store, so they all wait there
            // until every one has started; closing their inputs one after the other lets them open together.
            let appenders = try (0..<Self.processes).map { process in
                try WaitingProcess(["append", "open:p\(process)", "was_opened", "--data", "-", "--db", path])
            }
            for appender in appenders { try appender.release(input: #"{"round": \#(round)}"#) }
            for (process, appender) in appenders.enumerated() {
                let result = appender.wait()
                #expect(result.status == 0, "round \(round), process \(process): \(result.error)")
            }
            let events = try await SQLiteEventStore(path: path).readLog(after: 0, filter: .all, limit: 100)
            #expect(
                events.map(\.stream.description).sorted() == (0..<Self.processes).map { "open:p\($0)" },
                "round \(round)")
            #expect(events.allSatisfy { $0.data == ["round": .int(round)] }, "round \(round)")
        }
    }
}

/// An `evident` process started with its standard input open, so it blocks when it reads it.
private struct WaitingProcess {
    let process = Process()
    let input = Pipe()
    let error = Pipe()

    init(_ arguments: [String]) throws {
        process.executableURL = EvidentBinary.url
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = error
        try process.run()
    }

    /// Writes `input` to the process's standard input and closes it.
    func release(input text: String) throws {
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
    }

    /// Waits for the process to exit; returns its exit code and standard error.
    func wait() -> (status: Int32, error: String) {
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }
}
