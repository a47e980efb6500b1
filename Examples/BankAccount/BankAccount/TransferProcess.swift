import Foundation
public import Evident
import Foundation

/// The process manager of transfers: when money leaves one account, it credits the other; when the other
/// account refuses (not open), it refunds the first.
///
/// It is a reactor, so it runs at least once per event: the account decider ignores a transfer it has
/// already settled, which makes a redelivery harmless. The triggering event's id becomes the causation id
/// of the commands' events.
public struct TransferProcess: Reactor {
    public let name = "transfers"
    public let accounts: Repository<BankAccount>

    public init(accounts: Repository<BankAccount>) {
        self.accounts = accounts
    }

    public var filter: LogFilter {
        LogFilter(streamCategories: [accounts.category], eventTypes: [TransferSent.eventType])
    }

    public func react(to event: RecordedEvent) async throws {
        guard case .transferSent(let transfer) = try AccountEvent(recorded: event) else { return }
        let id = event.id.uuidString.lowercased()
        let metadata = EventMetadata(causationId: id, correlationId: event.metadata.correlationId ?? id)
        do {
            try await accounts.handle(
                .receiveTransfer(id: transfer.transferId, from: event.stream.id, amount: transfer.amount),
                for: transfer.to, metadata: metadata)
        } catch is AccountError {
            try await accounts.handle(
                .refundTransfer(id: transfer.transferId, amount: transfer.amount), for: event.stream.id,
                metadata: metadata)
        }
    }
}
