import Evident
import EvidentEngine
import EvidentServer
import EvidentSpec
import HTTPTypes
import Testing

@Suite("HTTP API: personal data")
struct PrivacyTests {
    /// Customers with an e-mail and a name that are personal, and orders whose shipping address is personal
    /// data of the customer who placed them.
    static let spec = try! CompiledSpec(
        parsing: """
            {"agent_types": ["customer"], "aggregate_types": {
              "customer": {"events": {"was_registered": {
                "schema": {"type": "object", "required": ["email"], "properties": {
                  "email": {"type": "string", "x-personal": true},
                  "name": {"type": "string", "x-personal": true, "x-forgotten": "[forgotten]"},
                  "plan": {"type": "string"}}},
                "handler": [{"merge": {"target": "", "value": "$.data"}}]}}},
              "order": {"data_subject": "$.data.customer", "events": {"was_placed": {
                "schema": {"type": "object", "required": ["customer"], "properties": {
                  "customer": {"type": "string"},
                  "ship_to": {"type": "object", "x-personal": true, "x-forgotten": {}},
                  "total": {"type": "number"}}},
                "handler": [{"merge": {"target": "", "value": "$.data"}}]}}}
            }}
            """)

    @Test(
        "personal values are sealed in the store, read in clear, and forgotten with a receipt; errors are 4xx",
        arguments: StoreKind.all)
    func forgetting(_ kind: StoreKind) async throws {
        let server = try await TestServer(kind, spec: Self.spec)
        let store = try #require(server.server.engine.store as? PrivacyEventStore)
        try await server.test { client in
            let customer = Fixture.id()
            let subject = "customer:\(customer)"
            let order = Fixture.id()
            let registered = try await client.post(
                "/customer/\(customer)/was_registered",
                Fixture.event(["email": "ada@example.com", "name": "Ada Lovelace", "plan": "pro"]))
            #expect(registered.status == .created)
            try await client.post(
                "/order/\(order)/was_placed",
                Fixture.event(["customer": .string(subject), "ship_to": ["city": "Oslo"], "total": 12]))

            let raw = try await store.base.readLog(after: 0, filter: .all, limit: 100).map {
                $0.json.serializedString()
            }
            .joined()
            for secret in ["ada@example.com", "Ada Lovelace", "Oslo"] { #expect(!raw.contains(secret)) }
            #expect(try await client.get("/customer/\(customer)")["data"]?["email"] == "ada@example.com")
            #expect(try await client.get("/order/\(order)")["data"]?["ship_to"] == ["city": "Oslo"])

            let live = try await client.get("/_subjects/\(subject)")
            #expect(live["status"] == "live")
            #expect(live["events"] == 2)
            #expect(live["streams"] == [.string("customer:\(customer)"), .string("order:\(order)")])

            let forgotten = try await client.request(.delete, "/_subjects/\(subject)?reason=erasure%20request")
            #expect(forgotten.status == .ok)
            #expect(forgotten["receipt"]?["events"] == 2)
            #expect(forgotten["receipt"]?["reason"] == "erasure request")
            #expect(forgotten["receipt"]?["subject_hash"] == .string(PrivacyEventStore.subjectHash(subject)))
            #expect(forgotten.position != nil)

            // Cached states were dropped: every read shows the forgotten values.
            let state = try await client.get("/customer/\(customer)")
            #expect(state["data"] == ["email": nil, "name": "[forgotten]", "plan": "pro"])
            #expect(
                try await client.get("/order/\(order)")["data"] == [
                    "customer": .string(subject), "ship_to": [:], "total": 12,
                ])
            let events = try await client.get("/customer/\(customer)/events")
            #expect(events["events"]?.array?.first?["metadata"]?["forgotten"] == ["data.email", "data.name"])
            let log = try await client.get("/_log")
            #expect(log["events"]?.array?.contains { $0["metadata"]?["forgotten"] == ["data.ship_to"] } == true)

            let status = try await client.get("/_subjects/\(subject)")
            #expect(status["status"] == "forgotten")
            #expect(status["receipt"] == forgotten["receipt"])
            #expect(try await client.request(.delete, "/_subjects/\(subject)").status == .notFound)
            #expect(try await client.request(.delete, "/_subjects/nobody").status == .notFound)
            #expect(try await client.get("/_subjects/nobody")["status"] == "unknown")

            // New personal data for a forgotten subject is refused, as a client's mistake.
            let again = try await client.post(
                "/order/\(Fixture.id())/was_placed",
                Fixture.event(["customer": .string(subject), "ship_to": ["city": "Rome"]]))
            #expect(again.status.code / 100 == 4, "\(again.status): \(again.text)")
            // A subject reference that gives no string is refused too.
            let noSubject = try await client.post(
                "/order/\(Fixture.id())/was_placed", Fixture.event(["customer": "", "ship_to": ["city": "Rome"]]))
            #expect(noSubject.status == .unprocessableContent)
            // Without personal values, the subject's reference need not resolve.
            #expect(
                try await client.post("/order/\(Fixture.id())/was_placed", Fixture.event(["customer": ""])).status
                    == .created)
        }
    }

    @Test("x-personal where it cannot be honoured, and a data_subject that reads the state, are spec problems")
    func specProblems() throws {
        let spec = """
            {"agent_types": ["customer"], "aggregate_types": {"customer": {"data_subject": "$.state.owner", "events": {
              "was_registered": {"schema": {"type": "object", "properties": {
                "emails": {"type": "array", "items": {"type": "string", "x-personal": true}},
                "name": {"type": "string", "x-personal": "yes"},
                "plan": {"type": "string", "x-forgotten": "none"},
                "email": {"type": "string", "x-personal": true}}},
                "handler": []}}}}}
            """
        let error = #expect(throws: SpecValidationError.self) { try CompiledSpec(parsing: spec) }
        let problems = error?.problems.map(\.description).joined(separator: "\n") ?? ""
        #expect(problems.contains("'x-personal' is honoured on properties reached through 'properties'"), "\(problems)")
        #expect(problems.contains("'x-personal' must be true or false"), "\(problems)")
        #expect(problems.contains("'x-forgotten' belongs next to"), "\(problems)")
        #expect(problems.contains("data_subject: unknown reference '$.state.owner'"), "\(problems)")
    }
}
