public import Evident
public import EvidentSQLite
public import GRDB

/// The read model of carts: one row per cart with its item count, total and status, in the same SQLite
/// database as the events. Run as a catch-up projection, each batch and the checkpoint commit together.
public struct CartSummaries: SQLiteProjection {
    public let name = "cart-summaries"

    public init() {}

    public var filter: LogFilter { LogFilter(streamCategories: ["cart"]) }

    public func prepare(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS cart_summaries (
                    cart TEXT PRIMARY KEY, items INTEGER NOT NULL, total INTEGER NOT NULL,
                    checked_out INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS cart_lines (
                    cart TEXT NOT NULL, sku TEXT NOT NULL, quantity INTEGER NOT NULL, price INTEGER NOT NULL,
                    PRIMARY KEY (cart, sku));
                """)
    }

    public func apply(_ event: RecordedEvent, in db: Database) throws {
        let cart = event.stream.id
        switch try CartEvent(recorded: event) {
        case .itemAdded(let added):
            try db.execute(
                sql: """
                    INSERT INTO cart_lines (cart, sku, quantity, price) VALUES (?, ?, ?, ?)
                    ON CONFLICT (cart, sku) DO UPDATE SET quantity = quantity + excluded.quantity, price = excluded.price
                    """, arguments: [cart, added.sku, added.quantity, added.price])
        case .itemRemoved(let removed):
            try db.execute(sql: "DELETE FROM cart_lines WHERE cart = ? AND sku = ?", arguments: [cart, removed.sku])
        case .checkedOut:
            break
        }
        let checkedOut = event.type == CartCheckedOut.eventType
        try db.execute(
            sql: """
                INSERT INTO cart_summaries (cart, items, total, checked_out)
                SELECT ?, coalesce(sum(quantity), 0), coalesce(sum(quantity * price), 0), ? FROM cart_lines WHERE cart = ?
                ON CONFLICT (cart) DO UPDATE SET items = excluded.items, total = excluded.total,
                    checked_out = max(checked_out, excluded.checked_out)
                """, arguments: [cart, checkedOut, cart])
    }

    public func reset(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM cart_summaries; DELETE FROM cart_lines")
    }

    /// One cart's row.
    public struct Summary: Equatable, Sendable {
        public var cart: String
        public var items: Int
        public var total: Int
        public var checkedOut: Bool
        public init(cart: String, items: Int, total: Int, checkedOut: Bool) {
            self.cart = cart
            self.items = items
            self.total = total
            self.checkedOut = checkedOut
        }
    }

    /// Every cart's row, by cart id.
    public static func all(_ db: Database) throws -> [Summary] {
        try Row.fetchAll(db, sql: "SELECT cart, items, total, checked_out FROM cart_summaries ORDER BY cart").map {
            Summary(cart: $0[0], items: $0[1], total: $0[2], checkedOut: $0[3])
        }
    }
}
