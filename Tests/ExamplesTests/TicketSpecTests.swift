import Evident
import Foundation
import EvidentSQLite
import EvidentTesting
import TicketSpec
import Testing

@Suite("Spec engine example")
struct TicketSpecTests {
    static let expected = [
        "closed: ticket:3f2a8c1e-5b7d-4e9f-8a6b-1c2d3e4f5a6b v3, implied 1",
        "retry: replayed true, still v3",
        "refused: requirementFailed",
        #"ticket: {"agent":"ada","customer_id":"c0ffee00-1234-4567-89ab-cdef01234567","status":"closed","subject":"Printer on fire"}"#,
        "at version 1: open",
        #"customer: {"resolved":["3f2a8c1e-5b7d-4e9f-8a6b-1c2d3e4f5a6b"]}"#,
    ]

    @Test("the ticket desk runs on the in-memory store and on SQLite, as the library guide shows")
    func runs() async throws {
        #expect(try await TicketDesk.run(on: InMemoryEventStore()) == Self.expected)
        let directory = try TemporaryDirectory()
        #expect(
            try await TicketDesk.run(on: try SQLiteEventStore(path: directory.file("tickets.sqlite"))) == Self.expected)
    }

    @Test("the library guide shows the example's code as it is")
    func guideMatchesExample() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let source = try String(
            contentsOf: repository.appendingPathComponent("Examples/SpecEngine/TicketSpec/TicketSpec.swift"),
            encoding: .utf8)
        let guide = try String(contentsOf: repository.appendingPathComponent("docs/library-guide.md"), encoding: .utf8)
        let begin = try #require(source.range(of: "// run-spec: begin\n"))
        let end = try #require(source.range(of: "        // run-spec: end"))
        let snippet = source[begin.upperBound..<end.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? $0.dropFirst(8) : $0 }.joined(separator: "\n")
        #expect(guide.contains(snippet), "docs/library-guide.md section 10 differs from TicketSpec.swift")
        #expect(guide.contains(Self.expected.joined(separator: "\n")))
    }
}
