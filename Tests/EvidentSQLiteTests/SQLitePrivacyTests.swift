import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

@Suite("SQLiteEventStore personal data")
struct SQLitePrivacyTests {
    @Test("privacy contract", arguments: PrivacyContract.cases)
    func contract(_ check: PrivacyContract.Case) async throws {
        let directory = try TemporaryDirectory()
        try await check.run { try SQLiteEventStore(path: directory.file("\(UUID()).sqlite")) }
    }

    @Test("after forgetting, neither the file nor its WAL holds the key or a personal value")
    func nothingLeftInTheFiles() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let base = try SQLiteEventStore(path: path)
        let store = PrivacyEventStore(base)
        let email = "ada.lovelace.\(UUID().uuidString)@example.com"
        var event = NewEvent(type: "was_registered", data: ["email": .string(email), "plan": "pro"])
        event.personalData = PersonalData(subject: "customer-42", fields: [PersonalField(path: ["email"])])
        try await store.append([event], to: try StreamName("customer:42"))
        let key = try #require(try await base.subjectKey(subjectHash: PrivacyEventStore.subjectHash("customer-42")))
        let material = try #require(key.material)

        func files() -> Data {
            ["", "-wal", "-shm"].reduce(into: Data()) { bytes, suffix in
                if let data = FileManager.default.contents(atPath: path + suffix) { bytes += data }
            }
        }
        #expect(files().range(of: Data(email.utf8)) == nil, "a personal value is in the files in clear")
        #expect(files().range(of: Data(material)) != nil, "the key should be in the file before forgetting")
        _ = try #require(try await store.forget(subject: "customer-42"))
        #expect(files().range(of: Data(material)) == nil, "a copy of the destroyed key is left in the files")
        #expect(try await store.readStream(try StreamName("customer:42"))[0].data["email"] == .null)
    }
}
