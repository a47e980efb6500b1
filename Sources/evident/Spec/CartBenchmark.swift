import Evident
import EvidentSpec
import Foundation

/// The workload of `evident bench spec`: a cart stream, its spec, and a hand-written reducer doing the same.
enum CartBenchmark {
    static let specText = #"""
        {"aggregate_types": {"cart": {"events": {
          "was_opened": {"schema": {}, "handler": {"set": {"target": "", "value":
            {"customer": "$.data.customer", "status": "open", "items": [], "item_count": 0}}}},
          "item_was_added": {"schema": {}, "handler": [
            {"append": {"target": "items", "value": {"sku": "$.data.sku", "quantity": "$.data.quantity", "unit_price": "$.data.unit_price"}}},
            {"increment": {"target": "item_count"}}]},
          "item_quantity_was_changed": {"schema": {}, "handler":
            {"update_where": {"target": "items", "where": {"sku": "$.data.sku"}, "merge": {"quantity": "$.data.quantity"}}}},
          "item_was_removed": {"schema": {}, "handler": [
            {"remove": {"target": "items", "where": {"sku": "$.data.sku"}}},
            {"increment": {"target": "item_count", "by": -1}}]},
          "discount_was_applied": {"schema": {}, "handler":
            {"merge": {"target": "discount", "value": {"code": "$.data.code", "percent": "$.data.percent"}}}},
          "was_checked_out": {"schema": {}, "handler": {"conditional": {"if": {"gt": ["@.item_count", 0]},
            "then": [{"set": {"target": "status", "value": "checked_out"}}, {"set": {"target": "checked_out_at", "value": "$.metadata.timestamp"}}],
            "else": {"set": {"target": "status", "value": "empty"}}}}}
        }}}, "agent_types": ["user"]}
        """#

    /// A cart stream of `count` events: lines added, changed three steps later, removed eight steps later,
    /// with discounts and checkouts mixed in; at most nine lines at a time.
    static func events(count: Int) -> [SpecEvent] {
        var events: [SpecEvent] = []
        events.reserveCapacity(count)
        func add(_ type: String, _ data: JSON) {
            guard events.count < count else { return }
            events.append(
                SpecEvent(
                    type: type, data: data, aggregateType: "cart", aggregateID: "global", version: events.count + 1,
                    timestamp: Date(timeIntervalSince1970: 1_700_000_000 + Double(events.count))))
        }
        add("was_opened", ["customer": "c-1"])
        var step = 1
        while events.count < count {
            add(
                "item_was_added",
                ["sku": .string("sku-\(step)"), "quantity": .int(step % 5 + 1), "unit_price": .double(9.99)])
            if step > 3 {
                add("item_quantity_was_changed", ["sku": .string("sku-\(step - 3)"), "quantity": .int(step % 7 + 1)])
            }
            if step > 8 { add("item_was_removed", ["sku": .string("sku-\(step - 8)")]) }
            if step % 25 == 0 { add("discount_was_applied", ["code": "SPRING", "percent": .int(step % 30)]) }
            if step % 50 == 0 { add("was_checked_out", [:]) }
            step += 1
        }
        return events
    }

    /// What a Swift developer would write by hand for the same spec, on the same decoded events and the same
    /// JSON state, mutating it in place.
    static func reduce(_ events: [SpecEvent]) -> JSON {
        var state: [String: JSON] = [:]
        for event in events { apply(event, to: &state) }
        return .object(state)
    }

    private static func apply(_ event: SpecEvent, to state: inout [String: JSON]) {
        let data = event.data
        switch event.type {
        case "was_opened":
            state = ["customer": data["customer"] ?? .null, "status": "open", "items": [], "item_count": 0]
        case "item_was_added":
            let line: JSON = [
                "sku": data["sku"] ?? .null, "quantity": data["quantity"] ?? .null,
                "unit_price": data["unit_price"] ?? .null,
            ]
            modifyItems(&state) { $0.append(line) }
            state["item_count"] = .int(count(state) + 1)
        case "item_quantity_was_changed":
            let sku = data["sku"] ?? .null
            let quantity = data["quantity"] ?? .null
            modifyItems(&state) { items in
                for index in items.indices where items[index]["sku"] == sku {
                    guard case .object(var line) = items[index] else { continue }
                    items[index] = .null
                    line["quantity"] = quantity
                    items[index] = .object(line)
                }
            }
        case "item_was_removed":
            let sku = data["sku"] ?? .null
            modifyItems(&state) { items in items.removeAll { $0["sku"] == sku } }
            state["item_count"] = .int(count(state) - 1)
        case "discount_was_applied":
            var discount = state.removeValue(forKey: "discount")?.object ?? [:]
            discount["code"] = data["code"] ?? .null
            discount["percent"] = data["percent"] ?? .null
            state["discount"] = .object(discount)
        case "was_checked_out":
            if count(state) > 0 {
                state["status"] = "checked_out"
                state["checked_out_at"] = .int(Int(event.timestamp.timeIntervalSince1970.rounded(.down)))
            } else {
                state["status"] = "empty"
            }
        default:
            break
        }
    }

    private static func count(_ state: [String: JSON]) -> Int {
        if case .int(let value)? = state["item_count"] { value } else { 0 }
    }

    private static func modifyItems(_ state: inout [String: JSON], _ body: (inout [JSON]) -> Void) {
        var items: [JSON] = []
        if case .array(let existing)? = state.removeValue(forKey: "items") { items = existing }
        body(&items)
        state["items"] = .array(items)
    }
}
