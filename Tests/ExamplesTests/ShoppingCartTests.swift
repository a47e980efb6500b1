import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import GRDB
import ShoppingCart
import Testing

@Suite("Shopping cart example")
struct ShoppingCartTests {
    let cart = AggregateSpecification<Cart>()
    let apple = CartEvent.itemAdded(ItemAdded(sku: "apple", quantity: 2, price: 50))

    @Test("adding, removing and checking out")
    func commands() {
        cart.given([]).when { try $0.add("apple", quantity: 2, price: 50) }.then([apple])
        cart.given([apple]).when { try $0.remove("apple") }.then([.itemRemoved(ItemRemoved(sku: "apple"))])
        cart.given([]).when { try $0.remove("apple") }.thenThrows(CartError.notInCart("apple"))
        cart.given([apple]).when { try $0.checkOut() }.then([.checkedOut(CartCheckedOut(total: 100))])
        cart.given([]).when { try $0.checkOut() }.thenThrows(CartError.empty)
        cart.given([apple, .checkedOut(CartCheckedOut(total: 100))]).when { try $0.checkOut() }.thenNothingHappened()
        cart.given([apple, .checkedOut(CartCheckedOut(total: 100))]).when { try $0.add("fig", price: 1) }
            .thenThrows(CartError.checkedOut)
    }

    @Test("the read model follows the carts and equals a rebuild")
    func readModel() async throws {
        let path = NSTemporaryDirectory() + "cart-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try SQLiteEventStore(path: path)
        let carts = Repository(store: store, decider: AggregateDecider<Cart>(), category: "cart")
        try await carts.update("a") { try $0.add("apple", quantity: 3, price: 50) }
        try await carts.update("a") { try $0.add("pear", price: 80) }
        try await carts.update("b") { try $0.add("plum", quantity: 2, price: 40) }
        try await carts.update("a") { try $0.remove("apple") }
        try await carts.update("a") { try $0.checkOut() }
        let summaries = store.projectionRunner(for: CartSummaries())
        try await summaries.catchUp()
        let expected = [
            CartSummaries.Summary(cart: "a", items: 1, total: 80, checkedOut: true),
            CartSummaries.Summary(cart: "b", items: 2, total: 80, checkedOut: false),
        ]
        let queue = try DatabaseQueue(path: path)
        #expect(try await queue.read { try CartSummaries.all($0) } == expected)
        try await summaries.rebuild()
        #expect(try await queue.read { try CartSummaries.all($0) } == expected)
    }
}
