import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

@Suite("SQLiteEventStore closing")
struct SQLiteClosingTests {
    /// Whether `error` is the error of an append to a closed store.
    static func isClosedError(_ error: any Error) -> Bool {
        guard let error = error as? EventStoreError else { return false }
        return error.code == .invalidArgument && error.message.contains("is closed")
    }

    @Test("close during concurrent appends: each append succeeded and is kept, or failed as closed; none is lost")
    func closeDrainsQueuedAppends() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try SQLiteEventStore(path: path)
        let appenders = 50
        let appendsEach = 20
        let (progress, signal) = AsyncStream.makeStream(of: Void.self)
        // Each appender appends to its own stream until done or refused; it returns how many appends succeeded.
        let succeeded = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    let stream = try StreamName("account:\(appender)")
                    for index in 0..<appendsEach {
                        do {
                            try await store.append(
                                [NewEvent(type: "was_credited", data: ["n": .int(index)])], to: stream,
                                expectedVersion: index == 0 ? .noStream : .exact(index))
                            signal.yield()
                        } catch {
                            #expect(Self.isClosedError(error), "appender \(appender) failed: \(error)")
                            return (appender, index)
                        }
                    }
                    return (appender, appendsEach)
                }
            }
            // Close once the writer is under way, with appends queued and more arriving.
            for await _ in progress { break }
            await store.close()
            let headAtClose = try await store.headPosition()
            var succeeded: [Int: Int] = [:]
            for try await (appender, count) in group { succeeded[appender] = count }
            // Every acknowledged append was committed before close returned, and nothing after.
            #expect(try await store.headPosition() == headAtClose)
            #expect(Int(headAtClose) == succeeded.values.reduce(0, +))
            return succeeded
        }
        signal.finish()
        #expect(succeeded.values.reduce(0, +) > 0)

        let reopened = try SQLiteEventStore(path: path)
        for appender in 0..<appenders {
            let events = try await reopened.readStream(StreamName("account:\(appender)"))
            #expect(events.map(\.data) == (0..<succeeded[appender]!).map { ["n": .int($0)] }, "appender \(appender)")
        }
        await reopened.close()
    }

    @Test("after close, appends and other writes fail at once as closed, reads still work, and close again returns")
    func closedStoreRefusesWrites() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteEventStore(path: directory.file("store.sqlite"))
        let stream = try StreamName("account:1")
        try await store.append([NewEvent(type: "was_opened")], to: stream, expectedVersion: .noStream)
        await store.close()
        await store.close()

        do {
            try await store.append([NewEvent(type: "was_credited")], to: stream, expectedVersion: .exact(1))
            Issue.record("an append was written to a closed store")
        } catch {
            #expect(Self.isClosedError(error), "\(error)")
            #expect("\(error)".contains(store.path))
        }
        do {
            try await store.saveCheckpoint(1, of: "reader")
            Issue.record("a checkpoint was saved in a closed store")
        } catch {
            #expect(Self.isClosedError(error), "\(error)")
        }
        #expect(try await store.readStream(stream).map(\.type) == ["was_opened"])
        #expect(try await store.headPosition() == 1)
    }
}
