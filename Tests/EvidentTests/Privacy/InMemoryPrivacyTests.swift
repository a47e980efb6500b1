import Evident
import EvidentTesting
import Testing

@Suite("InMemoryEventStore personal data")
struct InMemoryPrivacyTests {
    @Test("privacy contract", arguments: PrivacyContract.cases)
    func contract(_ check: PrivacyContract.Case) async throws {
        try await check.run { InMemoryEventStore() }
    }
}

@Suite("Personal values as stored")
struct PersonalValueFormatTests {
    @Test("an event's values are one box, their paths JSON Pointers (keys with '/' and '~' too), in clear on read")
    func oneBoxPerEvent() async throws {
        let base = InMemoryEventStore()
        let store = PrivacyEventStore(base)
        let stream = try StreamName("customer:1")
        var event = NewEvent(
            type: "was_registered",
            data: ["a/b": "slash", "c~d": ["e": "tilde"], "plain": 1, "f": ["g": ["h": "deep"]]])
        event.personalData = PersonalData(
            subject: "customer-1",
            fields: [
                PersonalField(path: ["a/b"]), PersonalField(path: ["c~d", "e"], forgotten: "gone"),
                PersonalField(path: ["f", "g", "h"]),
            ])
        try await store.append([event], to: stream)

        let stored = try await base.readStream(stream)[0]
        let personal = try #require(stored.metadata.extra["personal"])
        #expect(personal["paths"] == ["/a~1b", "/c~0d/e", "/f/g/h"])
        #expect(personal["forgotten"] == [nil, "gone", nil])
        #expect(personal["box"]?.string != nil)
        #expect(stored.data == ["a/b": nil, "c~d": ["e": "gone"], "plain": 1, "f": ["g": ["h": nil]]])
        #expect(try await store.readStream(stream)[0].data == event.data)

        // The same event in another store with the same key, its description naming the values in another
        // order: the box does not open.
        let copy = InMemoryEventStore()
        _ = try await copy.insertSubjectKey(
            try #require(try await base.subjectKey(subjectHash: PrivacyEventStore.subjectHash("customer-1"))))
        var metadata = stored.metadata
        metadata.extra["personal"]?[path: ["paths"]] = ["/c~0d/e", "/a~1b", "/f/g/h"]
        try await copy.append(
            [NewEvent(id: stored.id, type: stored.type, data: stored.data, metadata: metadata)], to: stream)
        let error = await #expect(throws: EventStoreError.self) {
            _ = try await PrivacyEventStore(copy).readStream(stream)
        }
        #expect(error?.code == .storageFailure)
    }
}
