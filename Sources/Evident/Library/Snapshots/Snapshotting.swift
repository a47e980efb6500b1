import Logging

/// How a ``Repository`` encodes, decodes and keeps the snapshots of its state.
struct Snapshotting<State: Sendable>: Sendable {
    var store: any SnapshotStore
    var policy: SnapshotPolicy
    var encode: @Sendable (State) throws -> JSON
    var decode: @Sendable (JSON) throws -> State

    /// The decoded snapshot of `stream` when it is usable: of the code's schema version and not past `cutoff`.
    /// Snapshots are a cache, so any failure means a full replay (and is logged), never an error.
    func usableSnapshot(of stream: StreamName, upTo cutoff: StreamCutoff?, logger: Logger) async
        -> (state: State, version: Int)?
    {
        switch cutoff {
        case .recordedAt: return nil
        case .version, nil: break
        }
        let snapshot: Snapshot?
        do {
            snapshot = try await store.snapshot(of: stream)
        } catch {
            logger.info("Could not read a snapshot; replaying", metadata: ["stream": "\(stream)", "error": "\(error)"])
            return nil
        }
        guard let snapshot else { return nil }
        guard snapshot.schemaVersion == policy.schemaVersion else {
            logger.debug(
                "Ignoring a snapshot of another schema version",
                metadata: [
                    "stream": "\(stream)", "stored": "\(snapshot.schemaVersion)", "current": "\(policy.schemaVersion)",
                ])
            return nil
        }
        if case .version(let last) = cutoff, snapshot.version > last { return nil }
        do {
            return (try decode(snapshot.state), snapshot.version)
        } catch {
            logger.info(
                "A snapshot did not decode; replaying (raise the snapshot schema version when the state changes)",
                metadata: ["stream": "\(stream)", "error": "\(error)"])
            return nil
        }
    }

    func save(_ state: State, stream: StreamName, version: Int, logger: Logger) async {
        do {
            let snapshot = Snapshot(
                stream: stream, version: version, schemaVersion: policy.schemaVersion, state: try encode(state))
            try await store.saveSnapshot(snapshot)
        } catch {
            logger.info("Could not save a snapshot", metadata: ["stream": "\(stream)", "error": "\(error)"])
        }
    }
}
