import Synchronization

/// What a store knows of the log head after its own last batch: the head, the version of the head's row
/// (PostgreSQL's `xmin`: every batch of every node updates that row, so a new version means another batch
/// committed), and the lengths of the streams its batches looked up or wrote since that version.
///
/// While the row is still that version, nothing has committed since and those lengths are the stored ones, so
/// a batch on those streams can be checked here and committed in one statement that locks the row and writes
/// only if it is still that version (``LogWrite/statement(schema:head:recordedAt:channel:after:)``).
final class KnownHead: Sendable {
    struct State: Sendable {
        var position: Int64
        var recordedAt: Int64
        /// The head row's `xmin`, as text.
        var version: String
        var lengths: [String: Int]
    }

    /// At most this many stream lengths are kept; past it, only those of the last batch.
    static let maximumStreams = 10_000
    /// After a one-statement batch found the head moved on, the next batches (1, 2, 4, … up to this many after
    /// repeated misses) take the full transaction without trying: while other nodes write, most tries would
    /// miss, each costing a statement.
    static let longestPause = 64

    private struct Memory {
        var state: State?
        /// Batches still to commit without being remembered.
        var pause = 0
        var nextPause = 1
    }

    private let memory = Mutex(Memory())

    /// The state, when it knows every stream of `streams` and no head newer than its own was heard of
    /// (`newest`, from the store's notifications); otherwise forgets it and returns nil.
    func state(for streams: Set<String>, newest: Int64) -> State? {
        memory.withLock { memory in
            guard let known = memory.state, newest <= known.position else {
                memory.state = nil
                return nil
            }
            return streams.allSatisfy { known.lengths[$0] != nil } ? known : nil
        }
    }

    /// Records the head a batch committed (or found, when it wrote nothing) and the lengths it leaves. The
    /// lengths known before are kept only when the batch started from the version they were known at.
    func remember(_ new: State, startedFrom version: String) {
        memory.withLock { memory in
            guard memory.pause == 0 else {
                memory.pause -= 1
                return
            }
            var merged = new
            if let known = memory.state, known.version == version, known.lengths.count < Self.maximumStreams {
                merged.lengths = known.lengths.merging(new.lengths) { _, latest in latest }
            }
            memory.state = merged
        }
    }

    /// Notes that a one-statement batch committed.
    func hit() {
        memory.withLock { $0.nextPause = 1 }
    }

    /// Forgets the state after a one-statement batch found the head moved on, and pauses.
    func missed() {
        memory.withLock { memory in
            memory.state = nil
            memory.pause = memory.nextPause
            memory.nextPause = min(memory.nextPause * 2, Self.longestPause)
        }
    }

    /// Forgets the state: after a failed batch, whose outcome may be unknown.
    func forget() {
        memory.withLock { $0.state = nil }
    }
}
