import Evident
import EvidentSpec
import Foundation
import Testing

/// Folds the example specs in `Examples/specs` with their event files, checking every event like a new one.
@Suite("Example specs")
struct ExampleSpecTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/specs")

    func spec(_ name: String) throws -> CompiledSpec {
        try CompiledSpec(parsing: String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8))
    }

    /// Applies every event of an `.ndjson` file in order; returns the events and the final state.
    func fold(_ spec: CompiledSpec, _ file: String, aggregate: String, id: String) throws -> ([SpecEvent], JSON) {
        let type = try spec.requireAggregateType(aggregate)
        let text = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
        var state = CompiledAggregateType.initialState
        var events: [SpecEvent] = []
        for line in text.split(separator: "\n") where !line.isEmpty {
            let event = try SpecEvent(
                json: try JSON(parsing: String(line)), aggregateType: aggregate, aggregateID: id,
                version: events.count + 1)
            state = try type.apply(event, to: state)
            events.append(event)
        }
        #expect(type.fold(events).state == state)
        return (events, state)
    }

    @Test func shopCart() async throws {
        let shop = try spec("shop.json")
        let cartID = "7f3c2a10-5b7e-4c1d-9a2b-0c3d4e5f6a7b"
        let (events, state) = try fold(shop, "shop-cart.ndjson", aggregate: "cart", id: cartID)
        #expect(state["status"] == "checked_out")
        #expect(state["total"] == 25.5)
        #expect(state["quantities"] == ["tea-green": 3, "mug": 1])
        #expect(state["coupons"]?.array?.count == 1)
        #expect(state["lines"]?.array?.map { $0["sku"] } == ["tea-green", "mug"])

        let planned = try await shop.impliedEvents(of: events.last!, stateAfter: state) { _, _ in ([:], 0) }
        #expect(planned.count == 1)
        #expect(planned.first?.event.aggregateID == "01hzx3k9m")
        #expect(planned.first?.stateAfter["status"] == "placed")
        #expect(planned.first?.stateAfter["cart_id"] == .string(cartID))
    }

    @Test func shopOrder() throws {
        let (_, state) = try fold(try spec("shop.json"), "shop-order.ndjson", aggregate: "order", id: "01hzx3k9m")
        #expect(state["status"] == "shipped")
        #expect(state["shipment"] == ["carrier": "posten"], "no tracking given: the optional set is skipped")
        #expect(state["paid"] == 25.5)
        #expect(state["line_count"] == 2)
        #expect(state["lines"]?.array?.map { $0["subtotal"] } == [13.5, 12])
        #expect(state["payments"]?.array?.count == 2)
    }

    @Test func helpdeskTicket() async throws {
        let helpdesk = try spec("helpdesk.json")
        let (events, state) = try fold(
            helpdesk, "helpdesk-ticket.ndjson", aggregate: "ticket", id: "5d2c8a41-9e3b-4f7a-b6c5-2e1d0f9a8b7c")
        #expect(state["status"] == "resolved")
        #expect(state["priority"] == "high")
        #expect(state["tags"] == ["login", "web"])
        #expect(state["assignee_history"] == ["a1b2c3d4e", "f9g8h7j6k"])
        #expect(state["comment_counts"] == ["agent": 2, "customer": 1])
        #expect(state["comments"]?.array?.allSatisfy { $0["closed"] == true } == true)
        #expect(state["escalations"] == ["v7": ["reason": "SSO outage"]])

        let assignment = events[1]
        let planned = try await helpdesk.impliedEvents(of: assignment, stateAfter: state) { _, _ in ([:], 0) }
        #expect(planned.map(\.event.aggregateType) == ["agent"])
        #expect(planned.first?.stateAfter["tickets"] == ["ticket:5d2c8a41-9e3b-4f7a-b6c5-2e1d0f9a8b7c"])
        #expect(planned.first?.stateAfter["by_priority"] == ["high": 1])
    }

    @Test func exampleFilesAreValidAndTheirHashesDiffer() throws {
        #expect(try spec("shop.json").contentHash != spec("helpdesk.json").contentHash)
    }
}
