import ArgumentParser
import Evident
import EvidentSQLite
import EvidentServer
import EvidentSpec
import Foundation
import Hummingbird
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP API over the database, with a spec.",
        discussion: """
            Every option can also be set with the environment variable named in its help; a flag wins over the \
            environment. Without any API key (see `evident keys create`), the server listens on loopback only. \
            SIGTERM or SIGINT stop it gracefully: requests in flight finish, new ones are refused.
            Example: evident serve --spec Examples/specs/shop.json --port 8080
            """)

    @Option(help: "The database file. [env: EVIDENT_DB] (default: ./evident.sqlite)")
    var db: String?

    @Option(
        help: "A spec file to run; stored as a new version when it differs from the stored one. [env: EVIDENT_SPEC]")
    var spec: String?

    @Option(help: "The address to listen on. [env: EVIDENT_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "The port to listen on; 0 picks a free one. [env: EVIDENT_PORT] (default: 8080)")
    var port: Int?

    @Option(help: "The largest request body, in bytes. [env: EVIDENT_MAX_BODY_SIZE] (default: 1048576)")
    var maxBodySize: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical. [env: EVIDENT_LOG_LEVEL] (default: info)")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        func setting(_ flag: String?, _ variable: String) -> String? { flag ?? environment[variable] }
        func number(_ flag: Int?, _ variable: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = flag.map(String.init) ?? environment[variable] else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw ValidationError(
                    "\(variable) / its flag must be a whole number from \(range.lowerBound) to \(range.upperBound); got '\(text)'."
                )
            }
            return number
        }
        let levelText = setting(logLevel, "EVIDENT_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ValidationError(
                "Unknown log level '\(levelText)'; use trace, debug, info, notice, warning, error or critical.")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var configuration = ServerConfiguration()
        configuration.host = setting(host, "EVIDENT_HOST") ?? configuration.host
        configuration.port = try number(port, "EVIDENT_PORT", default: 8080, range: 0...65535)
        configuration.maximumBodySize = try number(
            maxBodySize, "EVIDENT_MAX_BODY_SIZE", default: configuration.maximumBodySize, range: 1_024...(1 << 30))

        let compiled = try setting(spec, "EVIDENT_SPEC").map(Self.loadSpec)
        let logger = Logger(label: "evident")
        let store = try SQLiteEventStore(path: setting(db, "EVIDENT_DB") ?? "./evident.sqlite", logger: logger)
        let server = EvidentServer(store: store, configuration: configuration, logger: logger)
        try await server.start(spec: compiled)
        let specVersion = try? await server.specs.current().version
        let application = try await server.makeApplication { host, port in
            logger.notice(
                "Evident is listening",
                metadata: [
                    "url": "http://\(host):\(port)", "database": "\(store.path)",
                    "spec_version": "\(specVersion.map(String.init) ?? "none: PUT /_spec")",
                ])
        }
        try await application.runService()
    }

    /// Reads and compiles a spec file; refuses to start with every problem listed.
    static func loadSpec(_ path: String) throws -> CompiledSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("Cannot read the spec file \(path).")
        }
        do {
            return try CompiledSpec(parsing: String(decoding: data, as: UTF8.self))
        } catch {
            let problems = error.problems.map { "  \($0)" }.joined(separator: "\n")
            FileHandle.standardError.write(
                Data("The spec \(path) has \(error.problems.count) problem(s):\n\(problems)\n".utf8))
            throw ExitCode(1)
        }
    }
}
