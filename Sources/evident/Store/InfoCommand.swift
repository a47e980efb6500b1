import ArgumentParser
import Evident
import Foundation

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Print a stream's length and when it was first and last written.",
        discussion: "Example: evident info order:42")

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("The stream, as type:id.", valueName: "stream"), transform: { try StreamName($0) })
    var stream: StreamName

    func run() async throws {
        let info = try await store.withStore(creating: false) { try await $0.streamInfo(stream) }
        if store.json {
            var object: [String: JSON] = ["stream": .string(stream.description), "length": .int(info?.length ?? 0)]
            if let info {
                object["created_at"] = .string(info.createdAt.iso8601Milliseconds)
                object["updated_at"] = .string(info.updatedAt.iso8601Milliseconds)
            }
            Output.line(.object(object))
        } else if let info {
            Output.line(
                "\(stream): \(info.length) events, first at \(info.createdAt.iso8601Milliseconds), "
                    + "last at \(info.updatedAt.iso8601Milliseconds)")
        } else {
            Output.line("\(stream): no events")
        }
    }
}
