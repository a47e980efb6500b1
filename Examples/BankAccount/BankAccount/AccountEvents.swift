public import Evident

// MARK: - Events: Codable facts with a stable type name

/// An account was opened for its owner.
public struct AccountOpened: DomainEvent, Equatable {
    public static let eventType = "account_was_opened"
    public var owner: String
    public init(owner: String) { self.owner = owner }
}

/// Money was paid in.
public struct MoneyDeposited: DomainEvent, Equatable {
    public static let eventType = "money_was_deposited"
    public var amount: Int
    public init(amount: Int) { self.amount = amount }
}

/// Money was taken out.
public struct MoneyWithdrawn: DomainEvent, Equatable {
    public static let eventType = "money_was_withdrawn"
    public var amount: Int
    public init(amount: Int) { self.amount = amount }
}

/// Money left this account for another one (the first half of a transfer).
public struct TransferSent: DomainEvent, Equatable {
    public static let eventType = "transfer_was_sent"
    public var transferId: String
    public var to: String
    public var amount: Int
    public init(transferId: String, to: String, amount: Int) {
        self.transferId = transferId
        self.to = to
        self.amount = amount
    }
}

/// Money arrived from another account (the second half of a transfer).
public struct TransferReceived: DomainEvent, Equatable {
    public static let eventType = "transfer_was_received"
    public var transferId: String
    public var from: String
    public var amount: Int
    public init(transferId: String, from: String, amount: Int) {
        self.transferId = transferId
        self.from = from
        self.amount = amount
    }
}

/// A transfer the other account refused came back.
public struct TransferRefunded: DomainEvent, Equatable {
    public static let eventType = "transfer_was_refunded"
    public var transferId: String
    public var amount: Int
    public init(transferId: String, amount: Int) {
        self.transferId = transferId
        self.amount = amount
    }
}

// MARK: - The family: one case per event, and the registry that maps type names to cases

public enum AccountEvent: EventFamily, Equatable {
    case opened(AccountOpened)
    case deposited(MoneyDeposited)
    case withdrawn(MoneyWithdrawn)
    case transferSent(TransferSent)
    case transferReceived(TransferReceived)
    case transferRefunded(TransferRefunded)

    public static let registry = EventRegistry<AccountEvent>()
        .register(AccountOpened.self, as: AccountEvent.opened)
        .register(MoneyDeposited.self, as: AccountEvent.deposited)
        .register(MoneyWithdrawn.self, as: AccountEvent.withdrawn)
        .register(TransferSent.self, as: AccountEvent.transferSent)
        .register(TransferReceived.self, as: AccountEvent.transferReceived)
        .register(TransferRefunded.self, as: AccountEvent.transferRefunded)

    public var payload: any DomainEvent {
        switch self {
        case .opened(let event): event
        case .deposited(let event): event
        case .withdrawn(let event): event
        case .transferSent(let event): event
        case .transferReceived(let event): event
        case .transferRefunded(let event): event
        }
    }
}
