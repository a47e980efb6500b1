/// The spec `evident spec init` writes: a small cart and order domain that validates, explained with
/// `$comment` keys (JSON has no comments; Evident accepts `$comment` at the spec, aggregate type and event
/// levels, and ignores it).
enum StarterSpec {
    static let text = #"""
        {
          "$comment": "A starter spec: carts that become orders. Check it with 'evident spec validate', try it with 'evident spec fold'. Reference: docs/spec-reference.md",
          "aggregate_types": {
            "cart": {
              "$comment": "A shopping cart. Its state starts as {} and each event's handler changes it.",
              "events": {
                "item_was_added": {
                  "$comment": "Adds a line, or raises its quantity when the product is already in the cart.",
                  "schema": {
                    "type": "object",
                    "properties": {
                      "product_id": {"type": "string"},
                      "quantity": {"type": "integer", "minimum": 1},
                      "unit_price": {"type": "number", "minimum": 0}
                    },
                    "required": ["product_id", "quantity", "unit_price"],
                    "additionalProperties": false
                  },
                  "requires": {"not_equals": ["@.status", "checked_out"]},
                  "handler": [
                    {"set": {"target": "status", "value": "open"}},
                    {"conditional": {
                      "if": {"in": ["$.data.product_id", {"$coalesce": ["@.product_ids", []]}]},
                      "then": {"update_where": {"target": "lines", "where": {"product_id": "$.data.product_id"},
                                                "merge": {"quantity": {"$add": ["$item.quantity", "$.data.quantity"]}}}},
                      "else": [
                        {"append": {"target": "lines", "value": "$.data"}},
                        {"append": {"target": "product_ids", "value": "$.data.product_id"}}
                      ]
                    }},
                    {"increment": {"target": "total", "by": {"$multiply": ["$.data.quantity", "$.data.unit_price"]}}}
                  ]
                },
                "item_was_removed": {
                  "$comment": "Removes a line; the client sends the removed line so the total can be lowered.",
                  "schema": {
                    "type": "object",
                    "properties": {"product_id": {"type": "string"}, "quantity": {"type": "integer"}, "unit_price": {"type": "number"}},
                    "required": ["product_id", "quantity", "unit_price"]
                  },
                  "requires": {"in": ["$.data.product_id", {"$coalesce": ["@.product_ids", []]}]},
                  "handler": [
                    {"remove": {"target": "lines", "where": {"product_id": "$.data.product_id"}}},
                    {"filter": {"target": "product_ids", "where": {"not_equals": ["$item", "$.data.product_id"]}}},
                    {"decrement": {"target": "total", "by": {"$multiply": ["$.data.quantity", "$.data.unit_price"]}}}
                  ]
                },
                "was_checked_out": {
                  "$comment": "Checking out places an order: the implication writes order.was_placed in the same transaction.",
                  "schema": {"type": "object", "properties": {"order_id": {"type": "string"}}, "required": ["order_id"]},
                  "requires": {"and": [{"equals": ["@.status", "open"]}, {"gt": ["@.total", 0]}]},
                  "handler": {"merge": {"target": "", "value": {"status": "checked_out", "order_id": "$.data.order_id", "checked_out_at": "$.metadata.timestamp"}}},
                  "implications": [
                    {"emit": {"aggregate_type": "order", "id": "$.data.order_id", "event_type": "was_placed",
                              "data": {"cart_id": "$.id", "lines": "@.lines", "total": "@.total"}}}
                  ]
                }
              }
            },
            "order": {
              "events": {
                "was_placed": {
                  "schema": {
                    "type": "object",
                    "properties": {"cart_id": {"type": "string"}, "lines": {"type": "array"}, "total": {"type": "number"}},
                    "required": ["cart_id", "lines", "total"]
                  },
                  "handler": {"set": {"target": "", "value": {"$merge": ["$.data", {"status": "placed", "placed_by": "$.metadata.actor.id?"}]}}}
                },
                "was_cancelled": {
                  "schema": {"type": "object", "properties": {"reason": {"type": "string"}}},
                  "requires": {"equals": ["@.status", "placed"]},
                  "handler": {"merge": {"target": "", "value": {"status": "cancelled", "reason": {"$coalesce": ["$.data.reason", "not given"]}}}}
                }
              }
            }
          },
          "agent_types": ["user", "system"],
          "target_types": ["order"]
        }
        """#
}
