import ArgumentParser
import Evident
import EvidentEngine
import EvidentServer
import EvidentSpec
import Foundation

/// The `evident` command-line tool.
@main
struct EvidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evident",
        abstract: "Evident: an event store that keeps facts and derives state.",
        discussion: """
            Exit codes: 0 success, 1 failure, 3 version conflict (wrong expected version), 4 idempotency key \
            reused with other events, 64 invalid command line or an event the database's spec refuses.
            """,
        version: ServerNode.evidentVersion,
        subcommands: [
            AppendCommand.self, ReadCommand.self, LogCommand.self, InfoCommand.self, StateCommand.self,
            SpecCommand.self,
            ServeCommand.self,
            KeysCommand.self, ForgetCommand.self, VerifyCommand.self, AuditCommand.self, CopyCommand.self,
            BenchCommand.self, CrashWriterCommand.self,
            ProjectionWorkerCommand.self,
        ])

    /// Runs the command; any error is printed on one line to standard error, with an exit code that tells
    /// conflicts apart.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .success || error is CleanExit {
                exit(withError: error)
            }
            let message: String
            let code: Int32
            if let error = error as? EventStoreError {
                message = error.description
                code = Self.exitCode(for: error)
            } else if let error = error as? SpecError {
                message = error.description
                code = Self.exitCode(for: error)
            } else if let error = error as? EngineError {
                message = error.message
                code = Self.exitCode(for: error)
            } else if let error = error as? ExitCode {
                Foundation.exit(error.rawValue)
            } else {
                message = Self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
                code = exitCode(for: error).rawValue
            }
            FileHandle.standardError.write(Data("error: \(message)\n".utf8))
            Foundation.exit(code)
        }
    }

    static func exitCode(for error: EventStoreError) -> Int32 {
        switch error.code {
        case .wrongExpectedVersion: 3
        case .idempotencyKeyConflict: 4
        case .invalidArgument, .invalidStreamName: 64
        default: 1
        }
    }

    /// An event the spec refuses is a bad command line (64), except when the time for the work ran out.
    static func exitCode(for error: SpecError) -> Int32 {
        error.code == .deadlineExceeded ? 1 : 64
    }

    static func exitCode(for error: EngineError) -> Int32 {
        switch error.code {
        case .malformedRequest, .invalidMetadata: 64
        default: 1
        }
    }
}
