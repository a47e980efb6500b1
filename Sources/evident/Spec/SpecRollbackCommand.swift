import ArgumentParser
import Evident
import EvidentEngine
import EvidentSpec

/// `evident spec rollback N`: stores version N's document again as the next version, as
/// `POST /_spec/rollback` does.
struct SpecRollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Store an earlier spec version again, as the next version.",
        discussion: """
            History is never rewritten: rolling back to version N stores N's document as a new version (nothing, \
            when it is the spec in force). It is checked as `evident spec put` checks a spec: when it would break \
            stored events, each problem is printed on standard error and the command exits 1 without storing \
            anything; --force stores it anyway. --json prints the answer of POST /_spec/rollback.
            """
    )

    @OptionGroup var store: StoreOptions

    @Argument(help: "The version to store again (see `evident spec versions`).")
    var version: Int

    @Flag(help: "Store it even when it would break stored events.")
    var force = false

    @Flag(help: "Check it and fold the stored events under it, without storing it.")
    var dryRun = false

    func validate() throws {
        guard version >= 1 else { throw ValidationError("the version must be 1 or more") }
    }

    func run() async throws {
        let (before, put) = try await store.withEngine(creating: false) { engine in
            let before = try await engine.specInForce()
            do {
                return (before, try await engine.rollbackSpec(to: version, dryRun: dryRun, force: force))
            } catch let error as EngineError where error.code == .specRefused {
                throw SpecFile.report(error, json: store.json)
            }
        }
        if store.json {
            var answer = put.json.object ?? [:]
            answer["rolled_back_to"] = .int(version)
            Output.line(.object(answer))
        } else if let report = put.dryRun {
            SpecPutCommand.print(report, hash: put.hash)
        } else if let stored = put.version, stored == before?.version {
            Output.line("spec version \(version) is the spec in force, as version \(stored); nothing stored")
        } else {
            Output.line(
                "stored spec version \(put.version ?? 0), equal to version \(version) (hash sha256:\(put.hash))")
        }
    }
}
