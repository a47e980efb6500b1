public import Evident

/// What an account knows: folded from its events. `Codable` so it can be snapshotted.
public struct Account: Codable, Equatable, Sendable {
    public var owner: String?
    public var balance = 0
    /// Transfers already received or refunded, so a redelivered command changes nothing.
    public var settledTransfers: Set<String> = []

    public init() {}
    public var isOpen: Bool { owner != nil }
}

/// What a caller can ask of an account.
public enum AccountCommand: Sendable {
    case open(owner: String)
    case deposit(amount: Int)
    case withdraw(amount: Int)
    case sendTransfer(id: String, to: String, amount: Int)
    case receiveTransfer(id: String, from: String, amount: Int)
    case refundTransfer(id: String, amount: Int)
}

/// Why an account refused a command.
public enum AccountError: Error, Equatable {
    case alreadyOpen
    case notOpen
    case invalidAmount(Int)
    case insufficientFunds(balance: Int, requested: Int)
}

/// The bank account decider: pure functions, no I/O.
public struct BankAccount: Decider {
    public init() {}

    public var initialState: Account { Account() }

    public func decide(_ command: AccountCommand, _ account: Account) throws -> [AccountEvent] {
        switch command {
        case .open(let owner):
            guard !account.isOpen else { throw AccountError.alreadyOpen }
            return [.opened(AccountOpened(owner: owner))]
        case .deposit(let amount):
            try check(account, amount: amount)
            return [.deposited(MoneyDeposited(amount: amount))]
        case .withdraw(let amount):
            try check(account, amount: amount, debit: true)
            return [.withdrawn(MoneyWithdrawn(amount: amount))]
        case .sendTransfer(let id, let to, let amount):
            try check(account, amount: amount, debit: true)
            return [.transferSent(TransferSent(transferId: id, to: to, amount: amount))]
        case .receiveTransfer(let id, let from, let amount):
            guard !account.settledTransfers.contains(id) else { return [] }
            try check(account, amount: amount)
            return [.transferReceived(TransferReceived(transferId: id, from: from, amount: amount))]
        case .refundTransfer(let id, let amount):
            guard !account.settledTransfers.contains(id) else { return [] }
            return [.transferRefunded(TransferRefunded(transferId: id, amount: amount))]
        }
    }

    public func evolve(_ account: Account, _ event: AccountEvent) -> Account {
        var account = account
        switch event {
        case .opened(let event): account.owner = event.owner
        case .deposited(let event): account.balance += event.amount
        case .withdrawn(let event): account.balance -= event.amount
        case .transferSent(let event): account.balance -= event.amount
        case .transferReceived(let event):
            account.balance += event.amount
            account.settledTransfers.insert(event.transferId)
        case .transferRefunded(let event):
            account.balance += event.amount
            account.settledTransfers.insert(event.transferId)
        }
        return account
    }

    private func check(_ account: Account, amount: Int, debit: Bool = false) throws {
        guard account.isOpen else { throw AccountError.notOpen }
        guard amount > 0 else { throw AccountError.invalidAmount(amount) }
        if debit && amount > account.balance {
            throw AccountError.insufficientFunds(balance: account.balance, requested: amount)
        }
    }
}
