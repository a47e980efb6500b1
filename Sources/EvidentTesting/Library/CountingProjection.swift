package import Evident
import Synchronization

/// Counts events per stream and records the positions applied; fails on the positions in `failing` (for the
/// first `failures` tries of each). For the runner's tests.
package final class CountingProjection: Projection {
    package let name: String
    package let filter: LogFilter
    private struct State {
        var counts: [String: Int] = [:]
        var applied: [Int64] = []
        var failing: Set<Int64>
        var failures: Int
        var tries: [Int64: Int] = [:]
    }

    private let state: Mutex<State>

    package init(name: String = "counts", filter: LogFilter = .all, failing: Set<Int64> = [], failures: Int = .max) {
        self.name = name
        self.filter = filter
        state = Mutex(State(failing: failing, failures: failures))
    }

    package struct Failure: Error, CustomStringConvertible {
        package var position: Int64
        package var description: String { "cannot project position \(position)" }
    }

    package func apply(_ event: RecordedEvent) async throws {
        try state.withLock { state in
            if state.failing.contains(event.position) {
                state.tries[event.position, default: 0] += 1
                if state.tries[event.position]! <= state.failures { throw Failure(position: event.position) }
            }
            state.counts[event.stream.description, default: 0] += 1
            state.applied.append(event.position)
        }
    }

    package func reset() async throws {
        state.withLock { state in
            state.counts = [:]
            state.applied = []
        }
    }

    /// Stops failing.
    package func heal() { state.withLock { $0.failing = [] } }
    package var counts: [String: Int] { state.withLock { $0.counts } }
    package var applied: [Int64] { state.withLock { $0.applied } }
    package func tries(_ position: Int64) -> Int { state.withLock { $0.tries[position] ?? 0 } }
}
