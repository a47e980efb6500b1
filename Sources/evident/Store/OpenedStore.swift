import Evident
import EvidentPostgres
import EvidentSQLite

/// A store a command opened; ``StoreLocation/withStore(creating:maximumStreamLength:logger:_:)`` closes it.
enum OpenedStore: Sendable, CustomStringConvertible {
    case sqlite(SQLiteEventStore)
    case postgres(PostgresEventStore)

    /// The store as it is stored: personal values sealed.
    var store: any EventStore {
        copyable
    }

    /// The store that seals personal values on the way in and opens them on the way out, with the subjects'
    /// keys wrapped by `masterKey`.
    func privacy(masterKey: MasterKey?) -> PrivacyEventStore {
        PrivacyEventStore(copyable, masterKey: masterKey)
    }

    /// The store with everything ``StoreCopy`` reads and writes.
    var copyable: any CopyableStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }

    var location: StoreLocation {
        switch self {
        case .sqlite(let store): .sqlite(path: store.path)
        case .postgres(let store): .postgres(store.configuration)
        }
    }

    var description: String { location.description }

    /// Commits the appends still queued and closes the store's files or connections.
    func close() async {
        switch self {
        case .sqlite(let store): await store.close()
        case .postgres(let store): await store.close()
        }
    }
}
