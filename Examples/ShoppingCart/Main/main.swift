import EvidentSQLite
import Evident
import Foundation
import GRDB
import ShoppingCart

// Shopping carts in the entity style on an SQLite file, with a read model of cart summaries kept by a
// catch-up projection in the same database.
//
//     swift run shopping-cart-example [path/to/shop.sqlite]

let path = CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory() + "shop-\(UUID().uuidString).sqlite"
let store = try SQLiteEventStore(path: path)
let carts = Repository(store: store, decider: AggregateDecider<Cart>(), category: "cart")
let summaries = store.projectionRunner(for: CartSummaries())

try await withThrowingTaskGroup(of: Void.self) { group in
    // The projection follows the log while the carts change.
    group.addTask { try await summaries.run() }

    try await carts.update("alice") { try $0.add("apple", quantity: 3, price: 50) }
    try await carts.update("alice") { try $0.add("pear", price: 80) }
    try await carts.update("bob") { try $0.add("plum", quantity: 2, price: 40) }
    try await carts.update("alice") { try $0.remove("apple") }
    let checkout = try await carts.update("alice") { try $0.checkOut() }
    do {
        try await carts.update("alice") { try $0.add("fig", price: 10) }
    } catch let error as CartError {
        print("refused: \(error)")
    }

    // Read your writes: wait until the read model has seen the checkout.
    try await summaries.waitUntil(position: checkout.position, timeout: .seconds(5))
    group.cancelAll()
}

let reader = try DatabaseQueue(path: path)
for summary in try reader.read({ try CartSummaries.all($0) }) {
    print("\(summary.cart): \(summary.items) items, total \(summary.total), checked out: \(summary.checkedOut)")
}
print("projection lag: \(try await summaries.lag())")
