import Synchronization

/// Checkpoints and parked events in memory, for tests and for projections whose read model is in memory too.
public final class InMemoryCheckpointStore: CheckpointStore {
    private struct State {
        var checkpoints: [String: Int64] = [:]
        var parked: [String: [Int64: ParkedEvent]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func checkpoint(of consumer: String) async throws -> Int64 {
        state.withLock { $0.checkpoints[consumer] ?? 0 }
    }

    public func saveCheckpoint(_ position: Int64, of consumer: String) async throws {
        state.withLock { $0.checkpoints[consumer] = position }
    }

    public func park(_ event: ParkedEvent) async throws {
        state.withLock { state in
            state.parked[event.consumer, default: [:]][event.position] = event
            state.checkpoints[event.consumer] = max(state.checkpoints[event.consumer] ?? 0, event.position)
        }
    }

    public func parkedEvents(of consumer: String) async throws -> [ParkedEvent] {
        state.withLock { ($0.parked[consumer] ?? [:]).values.sorted { $0.position < $1.position } }
    }

    public func unpark(position: Int64, of consumer: String) async throws {
        _ = state.withLock { $0.parked[consumer]?.removeValue(forKey: position) }
    }

    public func reset(_ consumer: String) async throws {
        state.withLock { state in
            state.checkpoints[consumer] = nil
            state.parked[consumer] = nil
        }
    }
}
