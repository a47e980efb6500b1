import Evident
import EvidentPostgres
import EvidentTesting
import Synchronization

/// Opens stores on the test cluster, each in a fresh schema, and closes them all at the end of a test.
final class PostgresStores: Sendable {
    private let opened = Mutex<[PostgresEventStore]>([])

    func open(url: String? = nil, configure: (inout PostgresStoreConfiguration) -> Void = { _ in }) async throws
        -> PostgresEventStore
    {
        var configuration = try PostgresStoreConfiguration(url: url ?? PostgresTestServer.freshURL())
        configuration.maximumConnections = 4
        configure(&configuration)
        let store = try await PostgresEventStore.connect(configuration)
        opened.withLock { $0.append(store) }
        return store
    }

    /// Opens a store on the replica once the replica has replayed the schema's creation on the primary.
    func openReplica(url: String) async throws -> PostgresEventStore {
        while true {
            do {
                return try await open(url: url)
            } catch let error as EventStoreError where error.code == .incompatibleDatabase {
                // Not replayed yet; the replica applies WAL continuously, so this ends.
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    func closeAll() async {
        for store in opened.withLock({ $0 }) { await store.close() }
    }

    /// Runs `body` with a fresh set of stores and closes them afterwards, also when `body` throws.
    static func with<T>(_ body: (PostgresStores) async throws -> T) async throws -> T {
        let stores = PostgresStores()
        do {
            let value = try await body(stores)
            await stores.closeAll()
            return value
        } catch {
            await stores.closeAll()
            throw error
        }
    }
}
