import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

@Suite("SQLiteEventStore contract")
struct SQLiteEventStoreContractTests {
    @Test("store contract", arguments: StoreContract.cases)
    func contract(_ check: StoreContract.Case) async throws {
        let directory = try TemporaryDirectory()
        try await check.run { options in
            var configuration = SQLiteEventStoreConfiguration()
            configuration.maximumStreamLength = options.maximumStreamLength
            return try SQLiteEventStore(path: directory.file("\(UUID()).sqlite"), configuration: configuration)
        }
    }
}
