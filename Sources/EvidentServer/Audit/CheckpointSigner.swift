public import Evident
import Foundation
public import Logging
public import ServiceLifecycle

/// Signs the log's head into ``SignedCheckpoint/stream`` every ``eventInterval`` events or ``timeInterval``,
/// whichever comes first, while there are events the last checkpoint does not cover. Several nodes may run one
/// over the same store: each looks at the stream's last checkpoint first, so they take turns rather than sign
/// the same head twice (a rare race signs one twice, which is harmless).
public struct CheckpointSigner: Service {
    public static let eventInterval: Int64 = 1_000
    public static let timeInterval: Duration = .seconds(10)

    let store: any EventStore
    let key: SigningKey
    let logger: Logger

    public init(store: any EventStore, key: SigningKey, logger: Logger) {
        self.store = store
        self.key = key
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastSigned = ContinuousClock.now
            // The position of the latest checkpoint event: while it is the head, there is nothing to sign and one
            // query a tick is enough.
            var covered: Int64 = -1
            while (try? await Task.sleep(for: .milliseconds(500))) != nil {
                do {
                    let head = try await store.headPosition()
                    guard head != covered else { continue }
                    let outcome = try await sign(
                        head: head, timeIsUp: lastSigned.duration(to: .now) >= Self.timeInterval)
                    if outcome.signed { lastSigned = .now }
                    covered = outcome.covered
                } catch {
                    logger.warning("Could not sign the log's head", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Signs the head when it is due; returns whether it signed.
    @discardableResult
    public func signIfDue(timeIsUp: Bool) async throws -> Bool {
        try await sign(head: try await store.headPosition(), timeIsUp: timeIsUp).signed
    }

    /// Signs `head` when it is due; returns whether it signed, and the position of the latest checkpoint event.
    private func sign(head: Int64, timeIsUp: Bool) async throws -> (signed: Bool, covered: Int64) {
        let last = try await store.readStream(
            SignedCheckpoint.stream, from: .max, direction: .backward, limit: 1
        ).first
        let covered = last?.position ?? 0
        // Events since the last checkpoint event, which is itself in the log.
        let unsigned = head - covered
        guard unsigned > 0, timeIsUp || unsigned >= Self.eventInterval,
            let event = try await store.readLog(after: head - 1, filter: .all, limit: 1).first, let hash = event.hash
        else { return (false, covered) }
        let checkpoint = try SignedCheckpoint(position: event.position, hash: hash, signedAt: Date(), key: key)
        let result = try await store.append(
            [NewEvent(type: SignedCheckpoint.eventType, data: checkpoint.json)], to: SignedCheckpoint.stream)
        return (true, result.firstPosition)
    }

    /// The latest signed head in `store`, if any.
    public static func latest(in store: any EventStore) async throws -> SignedCheckpoint? {
        guard
            let event = try await store.readStream(
                SignedCheckpoint.stream, from: .max, direction: .backward, limit: 1
            ).first
        else { return nil }
        return try SignedCheckpoint(json: event.data)
    }
}
