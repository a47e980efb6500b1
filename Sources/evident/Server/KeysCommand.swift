import ArgumentParser
import Evident
import EvidentEngine
import EvidentServer
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the server's API keys (only their hashes are stored).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key and print it once.", discussion: "Example: evident keys create --scope write")

        @OptionGroup var store: StoreOptions

        @Option(help: "read (GET), write (read + POST events) or admin (write + spec upload + keys).")
        var scope: String

        func run() async throws {
            guard let scope = APIKeyScope(rawValue: scope) else {
                throw ValidationError("--scope must be read, write or admin (got '\(scope)').")
            }
            let (id, key) = try await store.withStore(creating: true) {
                let (id, key, _) = try await APIKeys(store: $0).create(scope: scope)
                return (id, key)
            }
            if store.json {
                Output.line(["id": .string(id), "key": .string(key), "scope": .string(scope.rawValue)])
            } else {
                Output.line(key)
                FileHandle.standardError.write(
                    Data("Key \(id) (\(scope.rawValue)). It is shown only this once.\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the active keys, without their secrets.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            for key in try await store.withStore(creating: false, { try await APIKeys(store: $0).list() }) {
                if store.json {
                    Output.line(["id": .string(key.id), "scope": .string(key.scope.rawValue)])
                } else {
                    Output.line("\(key.id)  \(key.scope.rawValue)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key by its id.",
            discussion: """
                The last admin key is revoked only with --force: without an admin key nobody can manage keys or \
                the spec over HTTP, and a loopback server with no key left at all is open to every local client. \
                An id that names no key exits 1.
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "The key's id (the part after evk_).")
        var id: String

        @Flag(help: "Revoke it even if it is the last admin key.")
        var force = false

        func run() async throws {
            let outcome = try await store.withStore(creating: false) {
                try await APIKeys(store: $0).revoke(id: id, force: force)
            }
            switch outcome {
            case .revoked:
                Output.line("Revoked \(id)")
            case .unknown:
                // Not a bad command line (64): the id is well-formed, the database holds no such key.
                FileHandle.standardError.write(Data("error: No API key with id '\(id)'.\n".utf8))
                throw ExitCode(1)
            case .lastAdminKey:
                throw ValidationError(
                    "Key '\(id)' is the last admin key; create another first, or pass --force to revoke it anyway.")
            }
        }
    }
}
