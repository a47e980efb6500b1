import Evident
import EvidentSpec
import Testing

@Suite("Validation of projections")
struct ProjectionValidationTests {
    /// A spec with `customer`, `order` and `config`, and `projections`.
    static func document(_ projections: JSON) -> JSON {
        let event: JSON = ["schema": [:], "handler": []]
        return [
            "agent_types": ["user"],
            "aggregate_types": [
                "customer": ["events": ["was_registered": event]], "order": ["events": ["was_placed": event]],
                "config": ["events": ["was_set": event]],
            ],
            "projections": projections,
        ]
    }

    @Test("a valid projection compiles, with every field")
    func validProjection() throws {
        let spec = try CompiledSpec(
            Self.document([
                "order_views": [
                    "name": "order_views", "for_each": "order", "include_substreams": true,
                    "sources": [
                        "own": "$key", "buyer": ["type": "customer", "id": "@.customer_id"],
                        "others": ["type": "customer", "id": "@.customer_ids", "mode": "array"],
                    ],
                    "include": ["config:global"],
                    "select": [
                        "id": "$id", "name": "$buyer.name", "currency": "$config.currency",
                        "lines": ["$map": "@.lines", "as": "$line", "to": ["sku": "$line.sku"]],
                        "tier": ["$lookup": "customer", "where": ["id": "@.customer_id"], "select": "$customer.tier"],
                        "total": ["$add": ["@.total", 1]],
                    ],
                ]
            ]))
        let projection = try #require(spec.projections["order_views"])
        #expect(projection.forEach == "order" && projection.includeSubstreams)
    }

    @Test("every problem of a bad projection is reported with its path")
    func problemsWithPaths() {
        let problems = CompiledSpec.problems(
            in: Self.document([
                "Bad": ["for_each": "order", "select": [:]],
                "orders": [
                    "for_each": "ghost", "colour": "red", "include_substreams": "yes",
                    "sources": [
                        "buyer": ["type": "customer"], "mode_bad": ["type": "customer", "id": "@.x", "mode": "many"],
                    ],
                    "include": ["config:42", "ghost:global"],
                    "select": [
                        "a": "$.data.a", "b": "$nobody.x",
                        "c": ["$map": "@.lines", "to": "$item.sku", "extra": 1],
                        "d": ["$map": "@.lines"],
                        "e": ["$lookup": "ghost", "where": ["id": "@.x"]],
                        "f": ["$lookup": "customer", "where": ["name": "@.x"]],
                    ],
                ],
                "no_for_each": ["select": [:]],
                "not_object": 3,
            ]))
        let paths = problems.map(\.path)
        #expect(
            paths == [
                "projections.Bad", "projections.no_for_each", "projections.not_object", "projections.orders.colour",
                "projections.orders.for_each", "projections.orders.include_substreams",
                "projections.orders.sources.buyer", "projections.orders.sources.mode_bad.mode",
                "projections.orders.include[0]", "projections.orders.include[1]", "projections.orders.select.a",
                "projections.orders.select.b", "projections.orders.select.c.extra", "projections.orders.select.d",
                "projections.orders.select.e.$lookup", "projections.orders.select.f.where",
            ], "\(problems)")
        #expect(problems.allSatisfy { !$0.message.isEmpty })
    }

    @Test("a deployed projection is checked against the spec, with paths inside its definition")
    func deployedProjection() throws {
        let spec = try CompiledSpec(Self.document([:]))
        #expect(throws: Never.self) {
            try spec.compileProjection(named: "names", ["for_each": "customer", "select": "@.name"])
        }
        do throws(SpecValidationError) {
            _ = try spec.compileProjection(named: "names", ["for_each": "customer", "select": ["x": "$.type"]])
            Issue.record("a projection that reads the event compiled")
        } catch {
            #expect(error.problems.map(\.path) == ["select.x"])
        }
    }
}
