import BankAccount
import Evident
import EvidentSQLite
import Foundation

// A bank on an SQLite file: open two accounts, move money, transfer between them through the transfer
// process manager, then look at an account now and in the past.
//
//     swift run bank-account-example [path/to/bank.sqlite]

let path = CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory() + "bank-\(UUID().uuidString).sqlite"
let store = try SQLiteEventStore(path: path)
let accounts = Repository(
    store: store, decider: BankAccount(), category: "account", snapshots: store, policy: SnapshotPolicy(every: 100))

try await accounts.handle(.open(owner: "Ada"), for: "ada")
try await accounts.handle(.open(owner: "Grace"), for: "grace")
try await accounts.handle(.deposit(amount: 100), for: "ada")
try await accounts.handle(.withdraw(amount: 30), for: "ada")
do {
    try await accounts.handle(.withdraw(amount: 500), for: "ada")
} catch let error as AccountError {
    print("refused: \(error)")
}

// Two transfers: one to Grace, one to an account that was never opened (it comes back).
try await accounts.handle(.sendTransfer(id: "t1", to: "grace", amount: 50), for: "ada")
let last = try await accounts.handle(.sendTransfer(id: "t2", to: "nobody", amount: 5), for: "ada")

// The process manager reacts to the transfers from its durable checkpoint.
let transfers = store.runner(for: TransferProcess(accounts: accounts))
try await transfers.catchUp()
print(
    "the transfer process has handled the log up to position \(try await transfers.status().checkpoint) (the last transfer was sent at \(last.position))"
)

for id in ["ada", "grace"] {
    let account = try await accounts.load(id)
    print("\(account.state.owner ?? id): balance \(account.state.balance) at version \(account.version)")
}
let past = try await accounts.load("ada", at: .version(2))
print("ada at version 2: balance \(past.state.balance)")
print("events in \(path):")
for event in try await store.readLog(after: 0, filter: .all, limit: 100) {
    print("  \(event.position) \(event.stream) v\(event.version) \(event.type) \(event.data)")
}
