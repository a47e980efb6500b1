import Evident
import EvidentSQLite
import EvidentTesting
import Foundation
import Testing

/// Kills a real projection runner process with SIGKILL mid-run, several times, and checks that after a
/// restart its read model equals a rebuild from zero: no event applied twice, none skipped.
@Suite("Projection crash safety", .serialized)
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
        var killedMidRun = 0
        for round in 0..<8 {
            let process = Process()
            process.executableURL = EvidentBinary.url
            process.arguments = ["projection-worker", "--db", database, "--name", "live", "--page-size", "20"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .milliseconds(Int.random(in: 150...600, using: &generator)))
            if round.isMultiple(of: 2) {
                // New events while the runner follows the log live.
                _ = try worker(database, ["--seed", "200"])
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "the runner died before it was killed")
            let (checkpoint, head, parked) = try status(try worker(database, ["--name", "live", "--dump"]))
            #expect(parked == 0, "an event was applied twice (its position was refused) or failed")
            if checkpoint > 0 && checkpoint < head { killedMidRun += 1 }
        }
        #expect(killedMidRun >= 2, "the runner was rarely killed mid-run; the test proves little")

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
