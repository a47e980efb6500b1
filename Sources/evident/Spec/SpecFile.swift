import ArgumentParser
import Evident
import EvidentEngine
import EvidentSpec
import Foundation

/// Reading spec files and reporting to the terminal, shared by the `spec` subcommands.
enum SpecFile {
    /// The text of `path`, or `-` for standard input.
    static func read(_ path: String) throws -> String {
        if path == "-" {
            return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("Cannot read '\(path)': \(error.localizedDescription)")
        }
    }

    /// The compiled spec in `path`; on problems, prints them one per line to standard error and exits 1.
    static func compile(_ path: String) throws -> CompiledSpec {
        do {
            return try CompiledSpec(parsing: try read(path))
        } catch let error as SpecValidationError {
            throw report(error)
        }
    }

    /// The JSON document in `path`, not yet checked as a spec; text that is not JSON is reported as
    /// `spec validate` reports it, and exits 1.
    static func document(_ path: String) throws -> JSON {
        do {
            return try JSON(parsing: try read(path))
        } catch let error as JSONParseError {
            throw report(SpecValidationError(problems: [SpecProblem(path: "", message: error.description)]))
        }
    }

    /// Prints every problem of a spec to standard error, one per line, and returns the exit code to throw (1).
    static func report(_ error: SpecValidationError) -> ExitCode {
        for problem in error.problems { printError(problem.description) }
        return ExitCode(1)
    }

    /// Prints a refused spec's problems to standard error (with `json`, the answer of PUT /_spec to standard output),
    /// one per line, and returns the exit code to throw (1).
    static func report(_ error: EngineError, json: Bool) -> ExitCode {
        if json {
            var answer = error.details
            answer["ok"] = false
            answer["error"] = .string(error.message)
            answer["code"] = .string(error.code.rawValue)
            Output.line(.object(answer))
        }
        printError("error: \(error.message)")
        for problem in error.details["problems"]?.array ?? [] {
            let count = problem["events"]?.number.map { Int($0) } ?? 0
            let first =
                "\(problem["first"]?["key"]?.string ?? "?") v\(problem["first"]?["version"]?.number.map { Int($0) } ?? 0)"
            let reason = problem["error"]?.string.map { ": \($0)" } ?? ""
            printError(
                "  \(problem["kind"]?.string ?? "?"): \(problem["aggregate_type"]?.string ?? "?")."
                    + "\(problem["event_type"]?.string ?? "?"), \(count) stored event\(count == 1 ? "" : "s") (first \(first)\(reason))"
            )
        }
        return ExitCode(1)
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
