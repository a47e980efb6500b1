import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

/// Kills a real projection runner process with SIGKILL mid-run, several times, and checks that after a
/// restart its read model equals a rebuild from zero: no event applied twice, none skipped.
@Suite("Projection crash safety", .onBlockingThreads, .serialized)
struct ProjectionCrashTests {
    func worker(_ database: String, _ arguments: [String]) throws -> String {
        let result = try EvidentBinary.run(["projection-worker", "--db", database] + arguments)
        try #require(result.status == 0, "projection-worker \(arguments) failed: \(result.error)")
        return result.output
    }

    /// The dump's last line: checkpoint, head and parked count.
    func status(_ dump: String) throws -> (checkpoint: Int, head: Int, parked: Int) {
        let last = try #require(dump.split(separator: "\n").last)
        let json = try JSON(parsing: String(last))
        return (
            Int(json["checkpoint"]?.number ?? -1), Int(json["head"]?.number ?? -1), Int(json["parked"]?.number ?? -1)
        )
    }

    @Test("a projection runner killed with SIGKILL mid-run resumes to the same read model as a rebuild")
    func killedRunner() async throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("projection.sqlite")
        _ = try worker(database, ["--seed", "4000"])
        var generator = SystemRandomNumberGenerator()
        for round in 0..<8 {
            let before = try status(try worker(database, ["--name", "live", "--dump"])).checkpoint
            let runner = try BackgroundEvident([
                "projection-worker", "--db", database, "--name", "live", "--page-size", "20", "--progress",
            ])
            // The runner prints each checkpoint it commits. It is killed once it has committed a random number
            // of batches: never before it has started, and with most of the log still ahead of it (each round
            // moves it a few batches of 20 through a log of 4,000 or more).
            let batches = Int.random(in: 1...4, using: &generator)
            var seeder: BackgroundEvident?
            if round.isMultiple(of: 2) {
                // New events appended while the runner works (unless the kill comes before the seeder's first
                // append: their overlap is not what this test guarantees).
                try await runner.waitForLines("a first committed batch") { !$0.isEmpty }
                seeder = try BackgroundEvident(["projection-worker", "--db", database, "--seed", "200"])
            }
            let progress = try await runner.kill(once: "\(batches) committed batches") { $0.count >= batches }
            #expect(runner.process.terminationReason == .uncaughtSignal, "the runner died before it was killed")
            if let seeder {
                try await seeder.waitForExit()
                #expect(seeder.process.terminationStatus == 0, "seeding failed: \(seeder.error.text)")
            }
            let announced = try #require(progress.last.flatMap { Int($0.split(separator: " ").last ?? "") })
            let (checkpoint, head, parked) = try status(try worker(database, ["--name", "live", "--dump"]))
            #expect(parked == 0, "an event was applied twice (its position was refused) or failed")
            #expect(checkpoint >= announced, "round \(round): checkpoint \(announced) was printed once committed")
            #expect(
                checkpoint > before && checkpoint < head,
                "round \(round): killed at checkpoint \(checkpoint) of \(head) (from \(before)), not mid-run")
        }

        _ = try worker(database, ["--name", "live", "--until-caught-up"])
        let resumed = try worker(database, ["--name", "live", "--dump"])
        let (checkpoint, head, parked) = try status(resumed)
        #expect(checkpoint == head && head == 4_800 && parked == 0)

        _ = try worker(database, ["--name", "live", "--rebuild"])
        let rebuilt = try worker(database, ["--name", "live", "--dump"])
        #expect(resumed == rebuilt, "the resumed read model differs from a rebuild from zero")
        let events = try resumed.split(separator: "\n").dropLast().map {
            Int(try JSON(parsing: String($0))["events"]?.number ?? 0)
        }
        #expect(events.reduce(0, +) == 4_800)
    }
}
