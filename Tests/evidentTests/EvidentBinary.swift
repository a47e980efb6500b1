import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `evident` executable, which SwiftPM places next to the test bundle.
enum EvidentBinary {
    static let url: URL = {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates.compactMap({ $0 }) {
            let url = directory.appendingPathComponent("evident")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("The evident executable was not found next to the tests; build it with `swift build`.")
    }()

    /// Runs `evident` with `arguments` to completion; returns the exit code, standard output and error.
    /// `environment` adds variables to the test's own.
    ///
    /// Its input and output go through files, not pipes: a pipe's end can leak into a process another test starts
    /// at the same moment, and a read to the end of the pipe would then wait for that process to end too (a
    /// `crash-writer` never ends on its own).
    static func run(
        _ arguments: [String], input: String? = nil, in directory: String? = nil, environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String, error: String) {
        try run(url, arguments, input: input, in: directory, environment: environment)
    }

    /// Runs `executable` as ``run(_:input:in:environment:)`` runs `evident`.
    static func run(
        _ executable: URL, _ arguments: [String], input: String? = nil, in directory: String? = nil,
        environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String, error: String) {
        let files = FileManager.default.temporaryDirectory.appendingPathComponent("evident-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: files) }
        func file(_ name: String, _ contents: String = "") throws -> URL {
            let url = files.appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: url.path, contents: Data(contents.utf8)) else {
                throw CocoaError(.fileWriteUnknown)
            }
            return url
        }
        let (inputFile, outputFile, errorFile) = (try file("in", input ?? ""), try file("out"), try file("err"))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let handles = (
            input: try FileHandle(forReadingFrom: inputFile), output: try FileHandle(forWritingTo: outputFile),
            error: try FileHandle(forWritingTo: errorFile)
        )
        process.standardInput = handles.input
        process.standardOutput = handles.output
        process.standardError = handles.error
        try process.run()
        process.waitUntilExit()
        for handle in [handles.input, handles.output, handles.error] { try? handle.close() }
        return (
            process.terminationStatus, String(decoding: try Data(contentsOf: outputFile), as: UTF8.self),
            String(decoding: try Data(contentsOf: errorFile), as: UTF8.self)
        )
    }
}

/// A value that other threads update and a test waits on: the signal a test waits for before it acts on a
/// process (kills it, writes to its database), instead of sleeping and hoping the process got that far.
final class Watched<Value: Sendable>: @unchecked Sendable {
    // `condition` guards `value`: every read and write holds it.
    private let condition = NSCondition()
    private var value: Value

    init(_ value: Value) { self.value = value }

    var current: Value {
        condition.lock()
        defer { condition.unlock() }
        return value
    }

    /// Changes the value and wakes the waiters.
    func update(_ body: (inout Value) -> Void) {
        condition.lock()
        body(&value)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until `predicate` holds for the value, or `timeout` passes (a bound that only ends a failing
    /// run, never a measurement); returns the value and whether the predicate held.
    func wait(timeout: Duration, until predicate: (Value) -> Bool) -> (value: Value, held: Bool) {
        let deadline = Date().addingTimeInterval(
            Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(value) {
            guard condition.wait(until: deadline) || Date() < deadline else { return (value, predicate(value)) }
        }
        return (value, true)
    }

    /// ``wait(timeout:until:)`` from a task: blocks a thread of its own, not one of Swift concurrency's few.
    /// When the predicate holds, `then` runs on that thread at once, before the task resumes (which may take a
    /// while on a busy machine).
    func wait(
        timeout: Duration, until predicate: @escaping @Sendable (Value) -> Bool,
        then action: @escaping @Sendable (Value) -> Void = { _ in }
    ) async -> (value: Value, held: Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let result = self.wait(timeout: timeout, until: predicate)
                if result.held { action(result.value) }
                continuation.resume(returning: result)
            }
        }
    }
}

/// What a running process has printed on one of its pipes so far, read on a thread of its own as it comes
/// (so the process never blocks on a full pipe), in whole lines a test can wait for.
final class ProcessOutput: Sendable {
    struct Lines: Sendable {
        /// The whole lines, without their newline.
        var complete: [String] = []
        /// The bytes after the last newline: a line cut short, or one still being written.
        var partial: [UInt8] = []
        /// Whether the pipe reached its end (every writer closed it, or died).
        var ended = false
    }

    let lines = Watched(Lines())

    init(_ pipe: Pipe) {
        // The thread keeps the pipe, whose handle would close the descriptor if it went away.
        Thread.detachNewThread { [lines, pipe] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(pipe.fileHandleForReading.fileDescriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else {
                    lines.update { $0.ended = true }
                    return
                }
                lines.update { lines in
                    lines.partial += buffer[0..<count]
                    while let newline = lines.partial.firstIndex(of: 0x0A) {
                        lines.complete.append(String(decoding: lines.partial[..<newline], as: UTF8.self))
                        lines.partial.removeSubrange(...newline)
                    }
                }
            }
        }
    }

    /// Everything printed so far.
    var text: String {
        let lines = lines.current
        return lines.complete.map { $0 + "\n" }.joined() + String(decoding: lines.partial, as: UTF8.self)
    }
}

/// Why a test stopped waiting for a process.
struct ProcessWaitFailure: Error, CustomStringConvertible {
    var description: String
}

/// An `evident` process running in the background, with its standard output and error read as they come,
/// for tests that wait for it to reach a point (a line it prints) before they act on it.
final class BackgroundEvident {
    let process = Process()
    let output: ProcessOutput
    let error: ProcessOutput
    let arguments: [String]

    /// `environment` adds variables to the test's own.
    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        self.arguments = arguments
        process.executableURL = EvidentBinary.url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        process.standardInput = FileHandle.nullDevice
        output = ProcessOutput(outputPipe)
        error = ProcessOutput(errorPipe)
        try process.run()
    }

    /// Waits until the lines printed on `stream` satisfy `predicate` and returns them; throws, with what
    /// the process printed, if it ends or `timeout` passes first (the timeout only ends a failing run).
    @discardableResult
    func waitForLines(
        on stream: KeyPath<BackgroundEvident, ProcessOutput> = \.output, _ what: String,
        timeout: Duration = .seconds(120), until predicate: @escaping @Sendable ([String]) -> Bool
    ) async throws -> [String] {
        try await waitForLines(on: stream, what, timeout: timeout, until: predicate, then: {})
    }

    /// ``waitForLines(on:_:timeout:until:)`` blocking the calling thread.
    @discardableResult
    func waitForLinesBlocking(
        on stream: KeyPath<BackgroundEvident, ProcessOutput> = \.output, _ what: String,
        timeout: Duration = .seconds(120), until predicate: ([String]) -> Bool
    ) throws -> [String] {
        let (lines, held) = self[keyPath: stream].lines.wait(timeout: timeout) { predicate($0.complete) || $0.ended }
        guard held, predicate(lines.complete) else { throw failure(waitingFor: what, timeout: timeout) }
        return lines.complete
    }

    /// Sends `signal` as soon as the lines printed on standard output satisfy `predicate`, then waits for
    /// the process to end; returns the lines seen when the signal was sent. The thread that waited for the
    /// lines sends the signal at once, without a hop back to a task, so the process gets as little further
    /// as possible. Throws, with what the process printed, if it ends or `timeout` passes first.
    func kill(
        signal: Int32 = SIGKILL, once what: String, timeout: Duration = .seconds(120),
        when predicate: @escaping @Sendable ([String]) -> Bool
    ) async throws -> [String] {
        let pid = process.processIdentifier
        let lines = try await waitForLines(on: \.output, what, timeout: timeout, until: predicate) {
            _ = Glibc.kill(pid, signal)
        }
        waitUntilEnded()
        return lines
    }

    /// Sends `signal`, then waits for the process to exit and its pipes to be read to the end.
    func kill(signal: Int32 = SIGKILL) {
        Glibc.kill(process.processIdentifier, signal)
        waitUntilEnded()
    }

    /// Waits for the process to exit on its own and its pipes to be read to the end; throws, with what it
    /// printed, if it is still running after `timeout` (a bound that only ends a failing run).
    func waitForExit(timeout: Duration = .seconds(120)) async throws {
        for stream in [output, error] {
            guard await stream.lines.wait(timeout: timeout, until: { $0.ended }).held else {
                throw failure(waitingFor: "its exit", timeout: timeout)
            }
        }
        process.waitUntilExit()
    }

    private func waitForLines(
        on stream: KeyPath<BackgroundEvident, ProcessOutput>, _ what: String, timeout: Duration,
        until predicate: @escaping @Sendable ([String]) -> Bool, then action: @escaping @Sendable () -> Void
    ) async throws -> [String] {
        let (lines, held) = await self[keyPath: stream].lines.wait(
            timeout: timeout, until: { predicate($0.complete) || $0.ended },
            then: { if predicate($0.complete) { action() } })
        guard held, predicate(lines.complete) else { throw failure(waitingFor: what, timeout: timeout) }
        return lines.complete
    }

    private func waitUntilEnded() {
        process.waitUntilExit()
        for stream in [output, error] { _ = stream.lines.wait(timeout: .seconds(120)) { $0.ended } }
    }

    private func failure(waitingFor what: String, timeout: Duration) -> ProcessWaitFailure {
        let state = process.isRunning ? "is still running after \(timeout)" : "ended"
        return ProcessWaitFailure(
            description: "evident \(arguments.joined(separator: " ")): waited for \(what), but the process "
                + "\(state).\nstandard output:\n\(output.text.suffix(2_000))\nstandard error:\n"
                + "\(error.text.suffix(2_000))")
    }

    deinit {
        if process.isRunning { kill() }
    }
}
