import Evident
import EvidentSpec
import Foundation
import Testing

@Suite struct JSONSchemaTests {
    static let order: JSON = [
        "type": "object",
        "required": ["items", "total"],
        "properties": [
            "total": ["type": "number", "minimum": 0],
            "customer": ["type": "string", "minLength": 2, "pattern": "^[A-Z]"],
            "placedAt": ["type": "string", "format": "date-time"],
            "items": [
                "type": "array",
                "minItems": 1,
                "items": [
                    "type": "object",
                    "required": ["sku", "qty"],
                    "properties": ["sku": ["type": "string"], "qty": ["type": "integer", "minimum": 1]],
                    "additionalProperties": false,
                ],
            ],
        ],
    ]

    static func dump(_ violations: [SchemaViolation]) -> String {
        violations.map { "\($0.keyword) \($0)" }.joined(separator: "\n")
    }

    @Test func validInstanceHasNoViolations() throws {
        let schema = try JSONSchema(compiling: Self.order)
        let instance: JSON = ["total": 12.5, "items": [["sku": "A-1", "qty": 2]], "customer": "Ann"]
        #expect(schema.validate(instance).isEmpty)
        #expect(schema.isValid(instance))
    }

    @Test func violationsHavePathsKeywordsAndMessages() throws {
        let schema = try JSONSchema(compiling: Self.order)
        let instance: JSON = [
            "total": "12", "customer": "a",
            "items": [["sku": "A-1", "qty": 2], ["sku": 7, "qty": 0], ["qty": 1, "colour": "red"]],
        ]
        let violations = schema.validate(instance)
        #expect(!schema.isValid(instance))
        let found = Set(violations)
        let expected: Set<SchemaViolation> = [
            SchemaViolation(path: "data.total", keyword: "type", message: "expected number, got string"),
            SchemaViolation(
                path: "data.customer", keyword: "minLength", message: "must be at least 2 characters long, got 1"),
            SchemaViolation(path: "data.customer", keyword: "pattern", message: "must match the pattern \"^[A-Z]\""),
            SchemaViolation(path: "data.items[1].sku", keyword: "type", message: "expected string, got integer"),
            SchemaViolation(path: "data.items[1].qty", keyword: "minimum", message: "must be >= 1, got 0"),
            SchemaViolation(path: "data.items[2]", keyword: "required", message: "missing required property 'sku'"),
            SchemaViolation(
                path: "data.items[2]", keyword: "additionalProperties", message: "unexpected property 'colour'"),
        ]
        #expect(found == expected, "\(Self.dump(violations))")
    }

    @Test func missingRequiredPropertyAtRoot() throws {
        let schema = try JSONSchema(compiling: Self.order)
        let violations = schema.validate(["total": 1])
        #expect(
            violations == [
                SchemaViolation(path: "data", keyword: "required", message: "missing required property 'items'")
            ])
        #expect(violations.first?.description == "data: missing required property 'items'")
    }

    @Test func rootTypeMismatch() throws {
        let schema = try JSONSchema(compiling: Self.order)
        #expect(schema.validate([1, 2]).map(\.description) == ["data: expected object, got array"])
    }

    @Test func unusualKeysAreQuotedInPaths() throws {
        let schema = try JSONSchema(compiling: ["additionalProperties": ["type": "string"]])
        let violations = schema.validate(["first name": 1, "last-name": 2])
        #expect(Set(violations.map(\.path)) == ["data[\"first name\"]", "data.last-name"])
    }

    @Test func combinatorsExplainTheirAlternatives() throws {
        let schema = try JSONSchema(compiling: ["anyOf": [["type": "string"], ["type": "integer", "minimum": 10]]])
        let violations = schema.validate(3)
        #expect(violations.count == 1)
        #expect(violations.first?.keyword == "anyOf")
        #expect(
            violations.first?.message
                == "must match at least one schema in anyOf: [0] expected string, got integer; [1] must be >= 10, got 3"
        )

        let exclusive = try JSONSchema(compiling: ["oneOf": [["type": "number"], ["type": "integer"]]])
        #expect(
            exclusive.validate(1).first?.message == "must match exactly one schema in oneOf, but matched [0] and [1]")
        #expect(exclusive.validate(1.5).isEmpty)
    }

    @Test func moreKeywordMessages() throws {
        let schema = try JSONSchema(compiling: [
            "properties": [
                "tags": ["type": "array", "uniqueItems": true, "maxItems": 3],
                "status": ["enum": ["open", "closed"]],
                "kind": ["const": "order"],
                "code": ["type": ["string", "null"]],
                "ratio": ["multipleOf": 0.5, "exclusiveMaximum": 1],
            ],
            "dependentRequired": ["card": ["expiry"]],
            "propertyNames": ["maxLength": 6],
        ])
        let violations = schema.validate([
            "tags": ["a", "b", "a", "c"], "status": "lost", "kind": "refund", "code": 5, "ratio": 1.2,
            "card": "x",
        ])
        let byPath = Dictionary(grouping: violations, by: \.path).mapValues {
            $0.map { "\($0.keyword): \($0.message)" }.sorted()
        }
        #expect(
            byPath["data.tags"] == [
                "maxItems: must have at most 3 items, got 4",
                "uniqueItems: items must be unique, but [0] and [2] are equal",
            ])
        #expect(byPath["data.status"] == ["enum: must be one of [\"open\",\"closed\"]"])
        #expect(byPath["data.kind"] == ["const: must equal \"order\""])
        #expect(byPath["data.code"] == ["type: expected null or string, got integer"])
        #expect(
            byPath["data.ratio"] == [
                "exclusiveMaximum: must be < 1, got 1.2", "multipleOf: must be a multiple of 0.5, got 1.2",
            ])
        #expect(byPath["data"] == ["dependentRequired: missing property 'expiry', required when 'card' is present"])
    }

    @Test func formatIsAnnotationUnlessAsserted() throws {
        let schema: JSON = ["type": "string", "format": "date-time"]
        #expect(try JSONSchema(compiling: schema).validate("yesterday").isEmpty)
        let asserting = try JSONSchema(compiling: schema, options: .init(assertFormats: true))
        #expect(asserting.validate("yesterday").map(\.description) == ["data: is not a valid date-time: \"yesterday\""])
        #expect(asserting.validate("2024-02-29T12:00:00Z").isEmpty)
        #expect(!asserting.isValid("2023-02-29T12:00:00Z"))
    }

    @Test func assertedFormats() throws {
        let cases: [(String, String, String)] = [
            ("email", "ann@example.com", "ann@@example.com"),
            ("date", "2024-01-31", "2024-02-30"),
            ("time", "08:30:00+02:00", "25:00:00Z"),
            ("uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", "2eb8aa08-aa98-11ea-b4aa-73b441d1638"),
            ("uri", "https://example.com/a?b#c", "/relative"),
            ("uri-reference", "../a/b", "\\\\server"),
            ("ipv4", "192.168.0.1", "192.168.0.256"),
            ("ipv6", "::ffff:192.168.0.1", "1:2:3:4:5:6:7:8:9"),
            ("hostname", "api.example.com", "-bad.example.com"),
            ("duration", "P3DT4H", "P3DT"),
            ("json-pointer", "/a/b~1c", "a/b"),
            ("regex", "^[a-z]+$", "(unclosed"),
        ]
        for (format, valid, invalid) in cases {
            let schema = try JSONSchema(compiling: ["format": .string(format)], options: .init(assertFormats: true))
            #expect(schema.isValid(.string(valid)), "\(format): \(valid)")
            #expect(!schema.isValid(.string(invalid)), "\(format): \(invalid)")
        }
    }

    @Test func recursiveSchemasAndReferences() throws {
        let tree: JSON = [
            "$defs": [
                "node": [
                    "type": "object", "required": ["value"],
                    "properties": [
                        "value": ["type": "integer"], "children": ["type": "array", "items": ["$ref": "#/$defs/node"]],
                    ],
                ]
            ],
            "$ref": "#/$defs/node",
        ]
        let schema = try JSONSchema(compiling: tree)
        let violations = schema.validate(["value": 1, "children": [["value": 2, "children": [["value": "x"]]]]])
        #expect(violations.map(\.description) == ["data.children[0].children[0].value: expected integer, got string"])
    }

    @Test func referenceLoopIsAViolationNotACrash() throws {
        let schema = try JSONSchema(compiling: [
            "$defs": ["a": ["$ref": "#/$defs/b"], "b": ["$ref": "#/$defs/a"]], "$ref": "#/$defs/a",
        ])
        let violations = schema.validate(1)
        #expect(violations.count == 1)
        #expect(violations.first?.keyword == "$ref")
    }

    @Test func remoteDocumentsComeFromOptions() throws {
        let remote: JSON = ["$defs": ["money": ["type": "number", "minimum": 0]]]
        let options = JSONSchema.Options(documents: ["https://evident.example/common.json": remote])
        let schema = try JSONSchema(
            compiling: ["properties": ["total": ["$ref": "https://evident.example/common.json#/$defs/money"]]],
            options: options)
        #expect(schema.validate(["total": -1]).map(\.description) == ["data.total: must be >= 0, got -1"])
        #expect(throws: SchemaCompilationError.self) {
            try JSONSchema(compiling: ["$ref": "https://evident.example/unknown.json"])
        }
    }

    @Test func everyCompilationProblemIsReportedWithItsPath() {
        let schema: JSON = [
            "type": "object",
            "required": "total",
            "properties": [
                "total": ["type": "numbr", "minimum": "0"],
                "code": ["pattern": "[a-z"],
                "items": ["type": "array", "minItems": -1, "items": ["$ref": "#/$defs/missing"]],
            ],
            "allOf": [["maxLength": 1.5], 7],
            "patternProperties": ["(": true],
        ]
        do {
            _ = try JSONSchema(compiling: schema)
            Issue.record("expected a compilation error")
        } catch {
            let byPath = Dictionary(grouping: error.problems, by: \.path).mapValues { $0.map(\.message) }
            let paths = Set(byPath.keys)
            let expected: Set<String> = [
                "required", "properties.total.type", "properties.total.minimum", "properties.code.pattern",
                "properties.items.minItems", "properties.items.items.$ref", "allOf[0].maxLength", "allOf[1]",
                "patternProperties[\"(\"]",
            ]
            #expect(paths == expected, "\(error)")
            #expect(byPath["properties.total.type"]?.first?.contains("unknown type \"numbr\"") == true)
            #expect(byPath["properties.total.minimum"] == ["must be a number, got string"])
            #expect(byPath["properties.items.items.$ref"] == ["cannot resolve the reference '#/$defs/missing'"])
            #expect(byPath["properties.code.pattern"] == ["invalid regular expression \"[a-z\""])
        }
    }

    @Test func metaSchemaCatchesWhatTheCompilerDoesNotRead() {
        #expect {
            _ = try JSONSchema(compiling: ["title": 5, "properties": ["a": ["deprecated": "yes"]]])
        } throws: { error in
            guard let error = error as? SchemaCompilationError else { return false }
            return Set(error.problems.map(\.path)) == ["title", "properties.a.deprecated"]
        }
    }

    @Test func booleanSchemas() throws {
        #expect(try JSONSchema(compiling: true).validate(["anything": 1]).isEmpty)
        #expect(try JSONSchema(compiling: false).validate(1).map(\.description) == ["data: no value is allowed here"])
    }

    @Test func deeplyNestedInstances() throws {
        let schema = try JSONSchema(compiling: [
            "$defs": ["list": ["type": "array", "items": ["$ref": "#/$defs/list"]]], "$ref": "#/$defs/list",
        ])
        var nested: JSON = []
        for _ in 1..<JSON.maximumDepth { nested = [nested] }
        #expect(schema.validate(nested).isEmpty)
        #expect(!schema.isValid([[[1]]]))
    }

    @Test func validatesConcurrently() async throws {
        let schema = try JSONSchema(compiling: Self.order, options: .init(assertFormats: true))
        let counts = await withTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                group.addTask {
                    let instance: JSON = ["total": .int(index), "items": [["sku": "A", "qty": 0]], "customer": "x"]
                    return (0..<200).reduce(0) { sum, _ in sum + schema.validate(instance).count }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 200 * 3, count: 8))
    }

    @Test func validationIsFast() throws {
        let schema = try JSONSchema(compiling: Self.order)
        let instance: JSON = [
            "total": 12.5, "customer": "Ann", "placedAt": "2024-01-01T00:00:00Z",
            "items": [["sku": "A-1", "qty": 2], ["sku": "B-2", "qty": 1]],
        ]
        let iterations = 20_000
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<iterations { precondition(schema.validate(instance).isEmpty) }
        }
        let perCall = elapsed / iterations
        print("JSONSchema.validate on a small order: \(perCall) per call")
        // About 3 µs in release builds; the bound is loose for debug builds on a busy machine and only
        // catches pathological regressions such as re-walking the schema JSON on every call.
        #expect(perCall < .microseconds(500))
    }
}
