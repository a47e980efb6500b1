import ArgumentParser
import Foundation

/// `evident spec init [FILE]`: writes a commented starter spec.
struct SpecInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter spec (carts and orders) explained with \"$comment\" keys."
    )

    @Argument(help: "Where to write it.")
    var file: String = "spec.json"

    @Flag(help: "Replace the file if it exists.")
    var force = false

    func run() async throws {
        if !force && FileManager.default.fileExists(atPath: file) {
            throw ValidationError("'\(file)' exists; pass --force to replace it")
        }
        do {
            try Data((StarterSpec.text + "\n").utf8).write(to: URL(fileURLWithPath: file))
        } catch {
            throw ValidationError("Cannot write '\(file)': \(error.localizedDescription)")
        }
        print("wrote \(file); check it with: evident spec validate \(file)")
    }
}
