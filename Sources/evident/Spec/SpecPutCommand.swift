import ArgumentParser
import Evident
import EvidentEngine
import EvidentSpec

/// `evident spec put FILE`: stores a spec version in the database, as `PUT /_spec` does.
struct SpecPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Store a spec in the database as its next version, as PUT /_spec does.",
        discussion: """
            The spec is checked as PUT /_spec checks it: every problem is printed as 'path: message' on standard \
            error and the command exits 1 without storing anything. Warnings (patterns that may backtrack badly) \
            are printed as 'warning: path: message' and do not stop it. Storing the spec in force again stores \
            nothing. A spec that would break stored events (an event type removed while events of it are stored, \
            stored events whose handler would now fail, a schema they no longer satisfy) is refused: each problem is \
            printed on standard error and the command exits 1 without storing anything; --force stores it anyway. \
            --dry-run stores nothing and reports how the stored events fold under the new spec, and the problems. \
            --json prints the answer of PUT /_spec.
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The spec file (JSON), or '-' for standard input.")
    var file: String

    @Flag(help: "Check the spec and fold the stored events under it, without storing it.")
    var dryRun = false

    @Flag(help: "Store the spec even when it would break stored events.")
    var force = false

    func run() async throws {
        let document = try SpecFile.document(file)
        // A dry run only reads: it does not create a missing database.
        let (before, put) = try await store.withEngine(creating: !dryRun) { engine in
            let before = try await engine.specInForce()
            do {
                return (before, try await engine.putSpec(document, dryRun: dryRun, force: force))
            } catch let error as SpecValidationError {
                throw SpecFile.report(error)
            } catch let error as EngineError where error.code == .specRefused {
                throw SpecFile.report(error, json: store.json)
            }
        }
        for warning in put.warnings { SpecFile.printError("warning: \(warning.description)") }
        if store.json {
            Output.line(put.json)
        } else if let report = put.dryRun {
            Self.print(report, hash: put.hash)
        } else if let version = put.version, version == before?.version {
            Output.line("spec version \(version) is already in force (hash sha256:\(put.hash)); nothing stored")
        } else {
            Output.line("stored spec version \(put.version ?? 0) (hash sha256:\(put.hash))")
        }
    }

    /// The dry run's report: a summary line, then each event the new spec cannot fold, then each problem that
    /// would refuse it.
    static func print(_ report: DryRun, hash: String) {
        let sample = report.sampled ? " (a sample: the first \(report.streamsChecked) streams)" : ""
        let listed = report.failures.count < report.failureCount ? " (the first \(report.failures.count) below)" : ""
        let outcome = report.failureCount == 0 ? "every event folds" : "\(report.failureCount) failures\(listed)"
        Output.line(
            "dry run of sha256:\(hash), nothing stored: \(report.eventsChecked) events in \(report.streamsChecked) "
                + "streams checked\(sample); \(outcome)")
        for failure in report.failures {
            Output.line("  \(failure.stream) v\(failure.version): \(failure.message)")
        }
        if !report.problems.isEmpty {
            Output.line("storing it would be refused (store it anyway with --force):")
            for problem in report.problems { Output.line("  \(problem.description)") }
        }
    }
}
