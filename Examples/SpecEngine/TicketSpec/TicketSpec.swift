public import Evident
import EvidentEngine
import EvidentSpec

/// Support tickets run by a spec, from Swift: no server, no HTTP. A ticket is opened and assigned; closing it
/// implies an event on the customer who opened it. The same spec runs unchanged behind `evident serve`.
public enum TicketDesk {
    /// The spec: JSON, as `evident spec validate` checks it and `PUT /_spec` stores it.
    public static let spec = #"""
        {"spec": {
          "aggregate_types": {
            "ticket": {"events": {
              "was_opened": {
                "schema": {"type": "object", "properties": {"customer_id": {"type": "string"},
                           "subject": {"type": "string", "minLength": 1}}, "required": ["customer_id", "subject"]},
                "requires": {"not": {"exists": "@.status"}},
                "handler": {"set": {"target": "", "value": {"customer_id": "$.data.customer_id",
                            "subject": "$.data.subject", "status": "open"}}}
              },
              "was_assigned": {
                "schema": {"type": "object", "properties": {"agent": {"type": "string"}}, "required": ["agent"]},
                "requires": {"equals": ["@.status", "open"]},
                "handler": {"set": {"target": "agent", "value": "$.data.agent"}}
              },
              "was_closed": {
                "schema": {},
                "requires": {"equals": ["@.status", "open"]},
                "handler": {"set": {"target": "status", "value": "closed"}},
                "implications": [{"emit": {"aggregate_type": "customer", "id": "@.customer_id",
                                           "event_type": "ticket_was_resolved", "data": {"ticket_id": "$.id"}}}]
              }
            }},
            "customer": {"events": {
              "ticket_was_resolved": {
                "schema": {"type": "object", "properties": {"ticket_id": {"type": "string"}}, "required": ["ticket_id"]},
                "handler": {"append": {"target": "resolved", "value": "$.data.ticket_id"}}
              }
            }}
          },
          "agent_types": ["agent"]
        }}
        """#

    /// Runs the desk on `store` and returns what it did, one line per step.
    public static func run(on store: any EventStore) async throws -> [String] {
        // run-spec: begin
        let engine = SpecEngine(store: store)
        try await engine.putSpec(try JSON(parsing: spec))

        let actor = EventMetadata(actor: EntityReference(type: "agent", id: "a1b2c3d4-0000-4000-8000-00000000ada0"))
        let ticket = "3f2a8c1e-5b7d-4e9f-8a6b-1c2d3e4f5a6b"
        let customer = "c0ffee00-1234-4567-89ab-cdef01234567"
        func write(_ event: String, _ data: JSON = [:], key: String? = nil) -> WriteRequest {
            WriteRequest(
                aggregateType: "ticket", aggregateID: ticket, events: [.init(type: event, data: data)],
                metadata: actor, idempotencyKey: key)
        }
        var lines: [String] = []
        try await engine.write(write("was_opened", ["customer_id": .string(customer), "subject": "Printer on fire"]))
        try await engine.write(write("was_assigned", ["agent": "ada"]))

        // Closing implies an event on the customer; both are appended atomically.
        let closed = try await engine.write(write("was_closed", key: "close-1"))
        lines.append("closed: \(closed.stream) v\(closed.result.streamLength), implied \(closed.impliedCount)")

        // A retry with the same idempotency key writes nothing and answers as the first write did.
        let retry = try await engine.write(write("was_closed", key: "close-1"))
        lines.append("retry: replayed \(retry.result.isReplay), still v\(retry.result.streamLength)")

        // A refusal names its code: the ticket is no longer open.
        do {
            try await engine.write(write("was_assigned", ["agent": "grace"]))
        } catch let error as SpecError {
            lines.append("refused: \(error.code.name)")
        }

        let state = try await engine.state(of: "ticket", ticket)
        let before = try await engine.state(of: "ticket", ticket, at: .version(1))
        let resolved = try await engine.state(of: "customer", customer)
        lines.append("ticket: \(state.data.serializedString())")
        lines.append("at version 1: \(before.data["status"]?.string ?? "?")")
        lines.append("customer: \(resolved.data.serializedString())")
        // run-spec: end
        return lines
    }
}
