import Evident
import EvidentSpec
import Testing

@Suite("assert_formats: event schemas check 'format' unless the spec turns it off")
struct AssertFormatsTests {
    /// A spec whose `user.was_registered` has an `email` field of format `email`; `assertFormats` is written
    /// as given (nil: no key).
    static func spec(assertFormats: String?) -> JSON {
        let flag = assertFormats.map { #""assert_formats": \#($0), "# } ?? ""
        return .parse(
            #"""
            {\#(flag)"agent_types": ["user"], "aggregate_types": {"user": {"events": {"was_registered": {
                "schema": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}},
                "handler": {"set": {"target": "email", "value": "$.data.email"}}}}}}}
            """#)
    }

    static func registration(_ email: String) -> SpecEvent {
        SpecEvent(
            type: "was_registered", data: ["email": .string(email)], metadata: EventMetadata(), aggregateType: "user",
            aggregateID: Fixture.aggregateID, version: 1)
    }

    @Test func aBadEmailIsRefusedByDefault() throws {
        let spec = try CompiledSpec(Self.spec(assertFormats: nil))
        let error = try #require(throws: SpecError.self) {
            try spec.apply(Self.registration("not an email"), to: [:])
        }
        #expect(error.code == .invalidData)
        #expect(error.specPath == "aggregate_types.user.events.was_registered.schema")
        #expect(error.violations.map(\.keyword) == ["format"])
        #expect(try spec.apply(Self.registration("ada@example.com"), to: [:]) == ["email": "ada@example.com"])
    }

    @Test func assertFormatsTrueIsTheDefault() throws {
        let spec = try CompiledSpec(Self.spec(assertFormats: "true"))
        #expect(throws: SpecError.self) { try spec.apply(Self.registration("not an email"), to: [:]) }
    }

    @Test func assertFormatsFalseMakesFormatAnAnnotation() throws {
        let spec = try CompiledSpec(Self.spec(assertFormats: "false"))
        #expect(try spec.apply(Self.registration("not an email"), to: [:]) == ["email": "not an email"])
    }

    @Test(arguments: [#""no""#, "0", "null", "[false]"])
    func assertFormatsMustBeABoolean(value: String) throws {
        let problems = CompiledSpec.problems(in: Self.spec(assertFormats: value))
        #expect(problems.map(\.path) == ["assert_formats"])
    }
}
