public import Evident

/// Why a cart refused a change.
public enum CartError: Error, Equatable {
    case checkedOut
    case notInCart(String)
    case invalidQuantity(Int)
    case empty
}

/// A shopping cart in the entity style: methods check, then record events.
public struct Cart: Aggregate, Equatable, Codable {
    /// Quantity and unit price by SKU.
    public var lines: [String: Line] = [:]
    public var isCheckedOut = false
    public var pendingEvents: [CartEvent] = []

    public struct Line: Equatable, Codable, Sendable {
        public var quantity: Int
        public var price: Int
    }

    // Pending events are not part of the saved state.
    enum CodingKeys: String, CodingKey { case lines, isCheckedOut }

    public init() {}

    public var total: Int { lines.values.reduce(0) { $0 + $1.quantity * $1.price } }

    public mutating func add(_ sku: String, quantity: Int = 1, price: Int) throws {
        guard !isCheckedOut else { throw CartError.checkedOut }
        guard quantity > 0 else { throw CartError.invalidQuantity(quantity) }
        record(.itemAdded(ItemAdded(sku: sku, quantity: quantity, price: price)))
    }

    public mutating func remove(_ sku: String) throws {
        guard !isCheckedOut else { throw CartError.checkedOut }
        guard lines[sku] != nil else { throw CartError.notInCart(sku) }
        record(.itemRemoved(ItemRemoved(sku: sku)))
    }

    public mutating func checkOut() throws {
        guard !isCheckedOut else { return }  // checking out twice changes nothing
        guard !lines.isEmpty else { throw CartError.empty }
        record(.checkedOut(CartCheckedOut(total: total)))
    }

    public mutating func apply(_ event: CartEvent) {
        switch event {
        case .itemAdded(let event):
            lines[event.sku, default: Line(quantity: 0, price: event.price)].quantity += event.quantity
            lines[event.sku]?.price = event.price
        case .itemRemoved(let event):
            lines[event.sku] = nil
        case .checkedOut:
            isCheckedOut = true
        }
    }
}
