import Evident
import EvidentSpec
import Testing

@testable import evident

@Suite("evident spec")
struct SpecCommandTests {
    @Test func theStarterSpecIsValid() throws {
        let spec = try CompiledSpec(parsing: StarterSpec.text)
        #expect(spec.aggregateType("cart")?.eventTypes == ["item_was_added", "item_was_removed", "was_checked_out"])
    }

    @Test func theBenchmarkSpecAndTheSwiftReducerAgree() throws {
        let spec = try CompiledSpec(parsing: CartBenchmark.specText)
        let events = CartBenchmark.events(count: 2_000)
        let folded = try #require(spec.aggregateType("cart")).fold(events)
        #expect(folded.errors.isEmpty)
        #expect(folded.state == CartBenchmark.reduce(events))
        #expect(folded.state["items"]?.array?.isEmpty == false)
    }
}
