import Evident
import EvidentSpec
import Foundation
import Testing

/// Runs the official JSON-Schema-Test-Suite (draft 2020-12), vendored next to these tests.
@Suite struct JSONSchemaTestSuiteTests {
    static let suiteFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("JSONSchemaTestSuite")
    static let testsFolder = suiteFolder.appendingPathComponent("tests/draft2020-12")

    /// Stands in for the file list when the suite is missing, so that the tests fail instead of vanishing.
    static let missingSuite = "<JSON-Schema-Test-Suite not found>"

    /// The required test files (`tests/draft2020-12/*.json`).
    static let requiredFiles: [String] = jsonFiles(in: "")

    /// The optional format files that must pass with format assertion on.
    static let assertedFormatFiles = ["email", "date-time", "date", "uuid", "uri", "ipv4", "ipv6"]
        .map { "optional/format/\($0).json" }

    static func jsonFiles(in subfolder: String) -> [String] {
        let folder = testsFolder.appendingPathComponent(subfolder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let files = names.filter { $0.hasSuffix(".json") }.sorted().map {
            subfolder.isEmpty ? $0 : subfolder + "/" + $0
        }
        return files.isEmpty ? [missingSuite] : files
    }

    /// Serves `http://localhost:1234/…` from the suite's `remotes` folder.
    static let resolver: @Sendable (String) -> JSON? = { uri in
        let prefix = "http://localhost:1234/"
        guard uri.hasPrefix(prefix) else { return nil }
        let file = suiteFolder.appendingPathComponent("remotes").appendingPathComponent(
            String(uri.dropFirst(prefix.count)))
        guard let data = try? Data(contentsOf: file) else { return nil }
        return try? JSON(parsing: Array(data))
    }

    struct Outcome {
        var passed = 0
        var total = 0
        var failures: [String] = []
    }

    /// Runs every case of one test file; a missing or unreadable file is one failure.
    static func run(_ file: String, assertFormats: Bool = false) -> Outcome {
        var outcome = Outcome()
        let url = testsFolder.appendingPathComponent(file)
        guard let data = try? Data(contentsOf: url), case .array(let groups)? = try? JSON(parsing: Array(data)) else {
            outcome.total = 1
            outcome.failures.append("\(file): cannot read test file at \(url.path)")
            return outcome
        }
        let options = JSONSchema.Options(assertFormats: assertFormats, resolver: resolver)
        for group in groups {
            let description = group["description"]?.string ?? "?"
            let cases = group["tests"]?.array ?? []
            let schema: JSONSchema
            do {
                schema = try JSONSchema(compiling: group["schema"] ?? .null, options: options)
            } catch {
                outcome.total += cases.count
                outcome.failures.append("\(file) / \(description): schema does not compile: \(error)")
                continue
            }
            for testCase in cases {
                outcome.total += 1
                let instance = testCase["data"] ?? .null
                let expected = testCase["valid"]?.bool ?? false
                let violations = schema.validate(instance)
                if schema.isValid(instance) == expected && violations.isEmpty == expected {
                    outcome.passed += 1
                } else {
                    let name = testCase["description"]?.string ?? "?"
                    outcome.failures.append(
                        "\(file) / \(description) / \(name): expected \(expected ? "valid" : "invalid"), "
                            + "got \(violations.map(\.description))")
                }
            }
        }
        return outcome
    }

    @Test("required draft2020-12 file", arguments: requiredFiles)
    func requiredFile(_ file: String) {
        #expect(file != Self.missingSuite, "the test suite is missing at \(Self.testsFolder.path)")
        guard file != Self.missingSuite else { return }
        let outcome = Self.run(file)
        #expect(outcome.total > 0)
        for failure in outcome.failures {
            Issue.record(Comment(rawValue: failure))
        }
    }

    @Test func requiredSummary() {
        var passed = 0
        var total = 0
        for file in Self.requiredFiles where file != Self.missingSuite {
            let outcome = Self.run(file)
            passed += outcome.passed
            total += outcome.total
        }
        print("JSON-Schema-Test-Suite draft2020-12 required: \(passed)/\(total) passed")
        #expect(total > 1000)
        #expect(passed == total)
    }

    @Test func assertedFormats() {
        var passed = 0
        var total = 0
        for file in Self.assertedFormatFiles {
            let outcome = Self.run(file, assertFormats: true)
            passed += outcome.passed
            total += outcome.total
            print("  \(file) (asserted): \(outcome.passed)/\(outcome.total) passed")
            for failure in outcome.failures {
                Issue.record(Comment(rawValue: failure))
            }
        }
        print("optional/format (asserted): \(passed)/\(total) passed")
    }

    /// Reports, without failing, how the other optional files fare.
    @Test func otherOptionalFiles() {
        var passed = 0
        var total = 0
        for file in Self.jsonFiles(in: "optional/format") where !Self.assertedFormatFiles.contains(file) {
            let outcome = Self.run(file, assertFormats: true)
            passed += outcome.passed
            total += outcome.total
            print("  \(file) (asserted): \(outcome.passed)/\(outcome.total) passed")
        }
        print("optional/format others (asserted, informational): \(passed)/\(total) passed")
        for file in Self.jsonFiles(in: "optional") {
            let outcome = Self.run(file)
            print("  \(file): \(outcome.passed)/\(outcome.total) passed")
        }
    }
}
