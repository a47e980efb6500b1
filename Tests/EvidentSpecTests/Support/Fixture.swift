import Evident
import EvidentSpec
import Foundation
import Testing

/// Builds small specs around one handler and runs events through them.
enum Fixture {
    static let aggregateID = "7f3c2a10-5b7e-4c1d-9a2b-0c3d4e5f6a7b"

    /// A spec with one aggregate type `thing` and one event `happened` (plus `other`, a no-op).
    static func spec(
        handler: String, schema: String = "{}", requires: String? = nil, implications: String? = nil,
        limits: SpecLimits = .standard
    ) throws -> CompiledSpec {
        var event = #"{"schema": \#(schema), "handler": \#(handler)"#
        if let requires { event += #", "requires": \#(requires)"# }
        if let implications { event += #", "implications": \#(implications)"# }
        event += "}"
        let text = #"""
            {"aggregate_types": {"thing": {"events": {"happened": \#(event), "other": {"schema": {}, "handler": []}}},
                                 "counter": {"events": {"was_bumped": {"schema": {}, "handler": {"increment": {"target": "count"}}}}}},
             "agent_types": ["user", "system"], "target_types": ["thing"], "singletons": ["webhook"]}
            """#
        return try CompiledSpec(parsing: text, limits: limits)
    }

    static func event(
        _ type: String = "happened", data: JSON = [:], version: Int = 1, metadata: EventMetadata = EventMetadata(),
        timestamp: Date = Date(timeIntervalSince1970: 1_700_000_000.5)
    ) -> SpecEvent {
        SpecEvent(
            type: type, data: data, metadata: metadata, aggregateType: "thing", aggregateID: aggregateID,
            version: version, timestamp: timestamp)
    }

    /// Runs `handler` on `state` for an event with `data`.
    static func run(_ handler: String, data: JSON = [:], state: JSON = [:]) throws -> JSON {
        let spec = try spec(handler: handler)
        return try spec.aggregateType("thing")!.apply(event(data: data), to: state)
    }

    /// The error `handler` fails with.
    static func failure(_ handler: String, data: JSON = [:], state: JSON = [:]) throws -> SpecError {
        let spec = try spec(handler: handler)
        do {
            _ = try spec.aggregateType("thing")!.apply(event(data: data), to: state)
        } catch {
            return error
        }
        Issue.record("expected the handler to fail")
        throw CancellationError()
    }

    /// The problems of a spec written as JSON text.
    static func problems(_ text: String) throws -> [SpecProblem] {
        CompiledSpec.problems(in: try JSON(parsing: text))
    }

    /// The problems of the fixture spec around `handler`.
    static func handlerProblems(_ handler: String) throws -> [SpecProblem] {
        do {
            _ = try spec(handler: handler)
            return []
        } catch let error as SpecValidationError {
            return error.problems
        }
    }
}

extension JSON {
    /// Parses JSON text in tests.
    static func parse(_ text: String) -> JSON {
        do { return try JSON(parsing: text) } catch { fatalError("bad test JSON: \(error)") }
    }
}
