import BankAccount
import Evident
import EvidentTesting
import Foundation
import Testing

@Suite("Bank account example")
struct BankAccountTests {
    let account = DeciderSpecification(BankAccount())
    let opened = AccountEvent.opened(AccountOpened(owner: "Ada"))

    @Test("deposits and withdrawals")
    func depositsAndWithdrawals() {
        account.given([opened]).when(.deposit(amount: 100)).then([.deposited(MoneyDeposited(amount: 100))])
        account.given([opened, .deposited(MoneyDeposited(amount: 100))]).when(.withdraw(amount: 30))
            .then([.withdrawn(MoneyWithdrawn(amount: 30))])
        account.given([opened, .deposited(MoneyDeposited(amount: 10))]).when(.withdraw(amount: 30))
            .thenThrows(AccountError.insufficientFunds(balance: 10, requested: 30))
        account.given([]).when(.deposit(amount: 5)).thenThrows(AccountError.notOpen)
        account.given([opened]).when(.open(owner: "Ada")).thenThrows(AccountError.alreadyOpen)
        account.given([opened]).when(.deposit(amount: 0)).thenThrows(AccountError.invalidAmount(0))
    }

    @Test("a transfer already settled changes nothing when its command comes again")
    func idempotentTransfers() {
        let received = AccountEvent.transferReceived(TransferReceived(transferId: "t1", from: "ada", amount: 5))
        account.given([opened, received]).when(.receiveTransfer(id: "t1", from: "ada", amount: 5))
            .thenNothingHappened()
        account.given([opened]).when(.receiveTransfer(id: "t1", from: "ada", amount: 5)).then([received])
    }

    @Test("the transfer process credits the other account, or refunds when it refuses; redelivery is harmless")
    func transferProcess() async throws {
        let store = InMemoryEventStore()
        let accounts = Repository(store: store, decider: BankAccount(), category: "account")
        try await accounts.handle(.open(owner: "Ada"), for: "ada")
        try await accounts.handle(.open(owner: "Grace"), for: "grace")
        try await accounts.handle(.deposit(amount: 100), for: "ada")
        try await accounts.handle(.sendTransfer(id: "t1", to: "grace", amount: 50), for: "ada")
        try await accounts.handle(.sendTransfer(id: "t2", to: "nobody", amount: 5), for: "ada")

        let checkpoints = InMemoryCheckpointStore()
        let process = ProjectionRunner(
            store: store, consumer: CheckpointedConsumer(TransferProcess(accounts: accounts), checkpoints: checkpoints))
        try await process.catchUp()
        #expect(try await accounts.load("ada").state.balance == 50)
        #expect(try await accounts.load("grace").state.balance == 50)
        #expect(try await accounts.load("nobody").version == 0)
        #expect(try await process.parkedEvents().isEmpty)

        // Redeliver everything (as after a crash before the checkpoint): balances do not move.
        try await checkpoints.saveCheckpoint(0, of: "transfers")
        try await process.catchUp()
        #expect(try await accounts.load("ada").state.balance == 50)
        #expect(try await accounts.load("grace").state.balance == 50)

        // The credit's event names the transfer's event as its cause.
        let sent = try await store.readStream(StreamName("account:ada")).first { $0.type == TransferSent.eventType }
        let credit = try await store.readStream(StreamName("account:grace")).last
        #expect(credit?.metadata.causationId == sent?.id.uuidString.lowercased())
    }
}
