import ArgumentParser
import Evident
import EvidentSpec
import Foundation

/// `evident bench spec`: folds a cart stream through compiled spec handlers and through a hand-written Swift
/// reducer doing the same work on the same decoded events, and compares JSON parsing with JSONSerialization.
struct BenchSpecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spec",
        abstract: "Measure spec handler folding against a hand-written reducer; prints one JSON line.",
        discussion: "Build with -c release to measure. Rates are the median of --runs runs."
    )

    @Option(help: "Events in the cart stream.")
    var events = 10_000

    @Option(help: "Runs per measurement; the median is reported.")
    var runs = 9

    func run() async throws {
        let spec = try CompiledSpec(parsing: CartBenchmark.specText)
        guard let cart = spec.aggregateType("cart") else { throw ValidationError("the benchmark spec has no cart") }
        let stream = CartBenchmark.events(count: events)

        let specState = cart.fold(stream).state
        let swiftState = CartBenchmark.reduce(stream)
        guard specState == swiftState, cart.fold(stream).errors.isEmpty else {
            throw ValidationError("the spec handlers and the Swift reducer disagree; the benchmark is wrong")
        }
        let specSeconds = median(runs) { _ = cart.fold(stream) }
        let swiftSeconds = median(runs) { _ = CartBenchmark.reduce(stream) }

        let payload = #"{"sku":"sku-00042","quantity":3,"unit_price":9.99,"note":"gift wrap"}"#
        let bytes = Array(payload.utf8)
        let data = Data(payload.utf8)
        let parses = 20_000
        let parseSeconds = median(runs) {
            for _ in 0..<parses { _ = try? JSON(parsing: bytes) }
        }
        let foundationSeconds = median(runs) {
            for _ in 0..<parses { _ = try? JSONSerialization.jsonObject(with: data) }
        }

        let specRate = Double(events) / specSeconds
        let swiftRate = Double(events) / swiftSeconds
        let report: JSON = [
            "events": .int(events),
            "runs": .int(runs),
            "spec_events_per_second": .int(Int(specRate)),
            "swift_events_per_second": .int(Int(swiftRate)),
            "spec_slowdown": .double((swiftRate / specRate * 100).rounded() / 100),
            "payload_bytes": .int(bytes.count),
            "json_parsing_ns_per_payload": .int(Int(parseSeconds / Double(parses) * 1e9)),
            "jsonserialization_ns_per_payload": .int(Int(foundationSeconds / Double(parses) * 1e9)),
        ]
        print(report.serializedString())
    }

    /// The median wall time of `runs` runs of `body`, in seconds.
    private func median(_ runs: Int, _ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<max(runs, 1) {
            let elapsed = clock.measure(body)
            times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        return times.sorted()[times.count / 2]
    }
}
