import ArgumentParser
import Evident
import EvidentEngine
import EvidentServer
import Foundation

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage the server's API keys (only their hashes are stored).",
        subcommands: [Create.self, List.self, Revoke.self, Rotate.self, ScheduleRevocation.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key and print it once.",
            discussion: "Example: evident keys create --scope write --name billing-service")

        @OptionGroup var store: StoreOptions

        @Option(help: "read (GET), write (read + POST events) or admin (write + spec upload + keys).")
        var scope: String

        @Option(help: "A name for people, 1 to 100 characters, such as the client that uses the key.")
        var name: String?

        func validate() throws {
            if let name, let problem = APIKeys.problem(withName: name) { throw ValidationError("--name: \(problem)") }
        }

        func run() async throws {
            guard let scope = APIKeyScope(rawValue: scope) else {
                throw ValidationError("--scope must be read, write or admin (got '\(scope)').")
            }
            let (id, key) = try await store.withStore(creating: true) {
                let (id, key, _) = try await APIKeys(store: $0).create(scope: scope, name: name)
                return (id, key)
            }
            if store.json {
                var line: [String: JSON] = ["id": .string(id), "key": .string(key), "scope": .string(scope.rawValue)]
                if let name { line["name"] = .string(name) }
                Output.line(.object(line))
            } else {
                Output.line(key)
                let named = name.map { " \"\($0)\"" } ?? ""
                FileHandle.standardError.write(
                    Data("Key \(id)\(named) (\(scope.rawValue)). It is shown only this once.\n".utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the active keys, without their secrets.",
            discussion: """
                One key a line: id, scope, name (or -), created, last used (to the minute, or never) and, when \
                scheduled, the time its revocation takes effect. --json prints each as GET /_keys shows it.
                """)

        @OptionGroup var store: StoreOptions

        func run() async throws {
            for key in try await store.withStore(creating: false, { try await APIKeys(store: $0).list() }) {
                if store.json {
                    Output.line(key.json)
                } else {
                    var columns = [
                        key.id, key.scope.rawValue, key.name ?? "-", "created " + key.createdAt.iso8601Milliseconds,
                        "last used " + (key.lastUsedAt?.iso8601Milliseconds ?? "never"),
                    ]
                    if let revokeAt = key.revokeAt { columns.append("revoked at " + revokeAt.iso8601Milliseconds) }
                    Output.line(columns.joined(separator: "  "))
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

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a key by a new one with the same name and scope; print the new key once.",
            discussion: """
                The new key is created and the old one revoked in one step, so the last admin key can be rotated. \
                Move the clients to the new key: the old one stops working at once. An id that names no key exits 1.
                Example: evident keys rotate 0abb5ec15b6c
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "The key's id (the part after evk_).")
        var id: String

        func run() async throws {
            let outcome = try await store.withStore(creating: false) { try await APIKeys(store: $0).rotate(id: id) }
            switch outcome {
            case .rotated(let newID, let key, let scope, let name, _):
                if store.json {
                    var line: [String: JSON] = [
                        "id": .string(newID), "key": .string(key), "scope": .string(scope.rawValue),
                        "rotated_from": .string(id),
                    ]
                    if let name { line["name"] = .string(name) }
                    Output.line(.object(line))
                } else {
                    Output.line(key)
                    FileHandle.standardError.write(
                        Data(
                            "Key \(newID) (\(scope.rawValue)) replaces \(id), now revoked. It is shown only this once.\n"
                                .utf8))
                }
            case .unknown:
                FileHandle.standardError.write(Data("error: No API key with id '\(id)'.\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct ScheduleRevocation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schedule-revocation",
            abstract: "Make a key stop working at a time to come.",
            discussion: """
                The key works until --at, then every request with it is refused (401); running this again moves \
                the time. An admin key's revocation is scheduled only while another admin key works past that \
                time, or with --force. An id that names no key exits 1.
                Example: evident keys schedule-revocation 0abb5ec15b6c --at 2027-01-31T12:00:00Z
                """)

        @OptionGroup var store: StoreOptions

        @Argument(help: "The key's id (the part after evk_).")
        var id: String

        @Option(help: "When the key stops working: ISO 8601 with a time zone, such as 2027-01-31T12:00:00Z.")
        var at: String

        @Flag(help: "Schedule it even if no other admin key works past that time.")
        var force = false

        func run() async throws {
            guard let time = APIKeys.parseTime(at) else {
                throw ValidationError(
                    "--at '\(at)' is not an ISO 8601 time with a time zone, such as 2027-01-31T12:00:00Z.")
            }
            let outcome = try await store.withStore(creating: false) {
                try await APIKeys(store: $0).scheduleRevocation(id: id, at: time, force: force)
            }
            switch outcome {
            case .scheduled:
                Output.line("Key \(id) stops working at \(time.iso8601Milliseconds)")
            case .unknown:
                FileHandle.standardError.write(Data("error: No API key with id '\(id)'.\n".utf8))
                throw ExitCode(1)
            case .notInFuture:
                throw ValidationError(
                    "--at \(time.iso8601Milliseconds) is not in the future; to revoke the key now, use "
                        + "`evident keys revoke \(id)`.")
            case .lastAdminKey:
                throw ValidationError(
                    "Key '\(id)' would leave no admin key working at \(time.iso8601Milliseconds); create another "
                        + "first, or pass --force.")
            }
        }
    }
}
