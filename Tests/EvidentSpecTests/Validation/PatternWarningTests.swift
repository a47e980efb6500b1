import Evident
import EvidentSpec
import Foundation
import Testing

@Suite("Warnings about patterns that backtrack badly")
struct PatternWarningTests {
    static let eventPath = "aggregate_types.probe.events.was_tagged"

    /// A spec whose one event has `schema`.
    static func document(schema: JSON) -> JSON {
        [
            "agent_types": ["user"],
            "aggregate_types": ["probe": ["events": ["was_tagged": ["schema": schema, "handler": []]]]],
        ]
    }

    static func document(pattern: String) -> JSON {
        document(schema: ["properties": ["tag": ["type": "string", "pattern": .string(pattern)]]])
    }

    @Test(arguments: [
        "(a+)+", "^(a+)+$", "(a*)*", "(.*)*", "^(\\w+\\s?)*$", "((ab)+)+", "(a|aa)+", "^(?:\\d|\\d\\d)+$", ".*a.*a.*",
        "a.*a.*a.*!", "^.+-.+-.+x$",
    ])
    func flagsPatternsKnownToBacktrack(_ pattern: String) throws {
        let document = Self.document(pattern: pattern)
        let warnings = CompiledSpec.warnings(in: document)
        #expect(warnings.map(\.path) == ["\(Self.eventPath).schema.properties.tag.pattern"], "\(pattern)")
        #expect(CompiledSpec.problems(in: document).isEmpty, "a warning is not a problem")
    }

    @Test(arguments: [
        "^[a-z]+$", "^\\d{4}-\\d{2}$", "^sku-[0-9]{5}$", "^[^@ ]+@[^@ ]+$", "^([a-z0-9]+-)*[a-z0-9]+$",
        "^(cat|dog)+$", "^.*foo.*$", "a.*b", "^[^,]*,[^,]*,[^,]*$", "^(a{2,5})+$", "^[^#]*#?$",
        "^[A-Za-z_][-A-Za-z0-9._]*$", "\\(a+\\)+", "[(a+)+]",
    ])
    func leavesOtherPatternsAlone(_ pattern: String) throws {
        #expect(CompiledSpec.warnings(in: Self.document(pattern: pattern)).isEmpty, "\(pattern)")
    }

    @Test func eachWarningSaysWhyAndWhatToWriteInstead() {
        func message(_ pattern: String) -> String {
            CompiledSpec.warnings(in: Self.document(pattern: pattern)).first?.message ?? ""
        }
        #expect(message("^(a+)+$").contains("nested quantifier"))
        #expect(message("^(a+)+$").contains("(a+)+"))
        #expect(message("^(a|aa)+$").contains("character class"))
        #expect(message("a.*a.*a.*!").contains("3 unbounded wildcards"))
        #expect(message("a.*a.*a.*!").contains("[^a]*"))
    }

    @Test func patternPropertiesAndNestedSchemasAreChecked() {
        let schema: JSON = [
            "patternProperties": ["(a+)+": ["type": "string"]],
            "properties": [
                "lines": ["type": "array", "items": ["anyOf": [["pattern": "(.*)*"], ["type": "number"]]]]
            ],
        ]
        let paths = Set(CompiledSpec.warnings(in: Self.document(schema: schema)).map(\.path))
        #expect(
            paths == [
                "\(Self.eventPath).schema.patternProperties[\"(a+)+\"]",
                "\(Self.eventPath).schema.properties.lines.items.anyOf[0].pattern",
            ])
    }

    @Test func aSpecWithOnlyWarningsIsValid() throws {
        let spec = try CompiledSpec(Self.document(pattern: "^(a+)+$"))
        #expect(spec.warnings.map(\.path) == ["\(Self.eventPath).schema.properties.tag.pattern"])
        #expect(try CompiledSpec(Self.document(pattern: "^[a-z]+$")).warnings.isEmpty)
    }

    @Test(arguments: ["shop.json", "helpdesk.json"])
    func theExampleSpecsHaveNoWarnings(_ name: String) throws {
        let text = try String(contentsOf: ExampleSpecTests.directory.appendingPathComponent(name), encoding: .utf8)
        #expect(try CompiledSpec(parsing: text).warnings.isEmpty)
    }
}
