public import Evident

/// An item was put in the cart.
public struct ItemAdded: DomainEvent, Equatable {
    public static let eventType = "item_was_added"
    public var sku: String
    public var quantity: Int
    /// The unit price in cents.
    public var price: Int
    public init(sku: String, quantity: Int, price: Int) {
        self.sku = sku
        self.quantity = quantity
        self.price = price
    }
}

/// An item was taken out of the cart.
public struct ItemRemoved: DomainEvent, Equatable {
    public static let eventType = "item_was_removed"
    public var sku: String
    public init(sku: String) { self.sku = sku }
}

/// The cart was checked out; it changes no more.
public struct CartCheckedOut: DomainEvent, Equatable {
    public static let eventType = "cart_was_checked_out"
    public var total: Int
    public init(total: Int) { self.total = total }
}

public enum CartEvent: EventFamily, Equatable {
    case itemAdded(ItemAdded)
    case itemRemoved(ItemRemoved)
    case checkedOut(CartCheckedOut)

    public static let registry = EventRegistry<CartEvent>()
        .register(ItemAdded.self, as: CartEvent.itemAdded)
        .register(ItemRemoved.self, as: CartEvent.itemRemoved)
        .register(CartCheckedOut.self, as: CartEvent.checkedOut)

    public var payload: any DomainEvent {
        switch self {
        case .itemAdded(let event): event
        case .itemRemoved(let event): event
        case .checkedOut(let event): event
        }
    }
}
