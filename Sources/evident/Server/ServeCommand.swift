import ArgumentParser
import Evident
import EvidentEngine
import EvidentServer
import EvidentSpec
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP API over the database, with a spec.",
        discussion: """
            Every option can also be set with the environment variable named in its help; a flag wins over the \
            environment. EVIDENT_DB, a SQLite file, is read too when EVIDENT_STORE is not set. Without any API key \
            (see `evident keys create`), the server listens on loopback only. SIGTERM or SIGINT stop it gracefully: \
            requests in flight finish, new ones are refused.
            Example: evident serve --spec Examples/specs/shop.json --port 8080
            """)

    @OptionGroup var store: StoreLocationOptions

    @Option(
        name: .customLong("read-store"),
        help: ArgumentHelp(
            "A PostgreSQL streaming replica of the store to serve reads from (aggregates, the log); writes and "
                + "everything they decide on go to --store. A read with ?after=POSITION waits until the replica has "
                + "the position. [env: EVIDENT_READ_STORE]",
            valueName: "url"))
    var readStore: String?

    @Option(
        help: "A spec file to run; stored as a new version when it differs from the stored one. [env: EVIDENT_SPEC]")
    var spec: String?

    @Option(
        help: ArgumentHelp(
            "An Ed25519 key (from `evident audit keygen`) to sign the log's head with, every 1,000 events or 10 "
                + "seconds, into $audit:checkpoints; GET /_audit/head answers the latest. [env: EVIDENT_SIGNING_KEY_FILE]",
            valueName: "file"))
    var signingKey: String?

    @Option(help: "The address to listen on. [env: EVIDENT_HOST] (default: 127.0.0.1)")
    var host: String?

    @Option(help: "The port to listen on; 0 picks a free one. [env: EVIDENT_PORT] (default: 8080)")
    var port: Int?

    @Option(help: "The largest request body, in bytes. [env: EVIDENT_MAX_BODY_SIZE] (default: 1048576)")
    var maxBodySize: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical. [env: EVIDENT_LOG_LEVEL] (default: info)")
    var logLevel: String?

    @Option(
        help: ArgumentHelp(
            "Seconds one request's work may run before it stops with 503. [env: EVIDENT_REQUEST_TIMEOUT] (default: 10)",
            valueName: "seconds"))
    var requestTimeout: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds a request's head may take once its first byte arrived. [env: EVIDENT_HEADER_TIMEOUT] (default: 10)",
            valueName: "seconds"))
    var headerTimeout: Int?

    @Option(
        help: ArgumentHelp(
            "Seconds a connection may wait for its next request. [env: EVIDENT_IDLE_TIMEOUT] (default: 60)",
            valueName: "seconds"))
    var idleTimeout: Int?

    @Option(
        help: """
            The most open connections; past it a new one closes the longest idle. At most what the file limit \
            allows. [env: EVIDENT_MAX_CONNECTIONS] (default: 1000, or less under a low file limit)
            """)
    var maxConnections: Int?

    @Option(help: "Bytes of aggregate state the cache holds. [env: EVIDENT_CACHE_BYTES] (default: 268435456)")
    var cacheBytes: Int?

    @Option(
        help: "The largest aggregate state, in bytes of JSON. [env: EVIDENT_MAX_STATE_BYTES] (default: 1048576)")
    var maxStateBytes: Int?

    @Option(help: "The most events one write may imply. [env: EVIDENT_MAX_IMPLIED_EVENTS] (default: 1000)")
    var maxImpliedEvents: Int?

    @Option(help: "The most steps one handler run may take. [env: EVIDENT_MAX_HANDLER_STEPS] (default: 100000)")
    var maxHandlerSteps: Int?

    @Option(
        help: """
            The most events one stream may hold (j17's soft limit); a write past it gets 422. \
            [env: EVIDENT_MAX_STREAM_LENGTH] (default: 10000)
            """)
    var maxStreamLength: Int?

    @Option(
        help: ArgumentHelp(
            "Milliseconds of pattern matching one event may cost. [env: EVIDENT_PATTERN_BUDGET_MS] (default: 10)",
            valueName: "ms"))
    var patternBudgetMs: Int?

    @Option(
        help: ArgumentHelp(
            "Serve the web console at /_console/: on or off. [env: EVIDENT_CONSOLE] (default: on when listening on "
                + "loopback, off otherwise)",
            valueName: "on|off"))
    var console: String?

    @Option(
        help: ArgumentHelp(
            "Reads (GET) each key, or each client address without a key, may send per minute; past it 429. "
                + "Counted by each server process. [env: EVIDENT_RATE_LIMIT_READS] (default: no limit)",
            valueName: "n"))
    var rateLimitReads: Int?

    @Option(
        help: ArgumentHelp(
            "Writes (POST, PUT, DELETE; a batch is one) each key, or each client address without a key, may send "
                + "per minute; past it 429. Counted by each server process. [env: EVIDENT_RATE_LIMIT_WRITES] "
                + "(default: no limit)",
            valueName: "n"))
    var rateLimitWrites: Int?

    @Option(
        help: ArgumentHelp(
            "An origin whose pages may call the API from a browser (CORS), such as https://app.example.com, or * "
                + "for any; repeat it for several. [env: EVIDENT_CORS_ORIGINS, comma-separated] (default: none)",
            valueName: "origin"))
    var corsOrigin: [String] = []

    @Flag(help: .hidden)
    var benchmarkFloor = false

    func run() async throws {
        let location = try store.resolve(dbVariable: "EVIDENT_DB")
        let environment = ProcessInfo.processInfo.environment
        let readLocation = try (readStore ?? environment["EVIDENT_READ_STORE"].flatMap { $0.isEmpty ? nil : $0 })
            .map { url in
                let readLocation = try StoreLocation(url: url)
                guard case .postgres = readLocation, case .postgres = location else {
                    throw ValidationError(
                        "--read-store names a PostgreSQL replica of a PostgreSQL --store; a SQLite store serves its "
                            + "own reads.")
                }
                return readLocation
            }
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
        configuration.requestTimeout = .seconds(
            try number(requestTimeout, "EVIDENT_REQUEST_TIMEOUT", default: 10, range: 1...3_600))
        configuration.headerTimeout = .seconds(
            try number(headerTimeout, "EVIDENT_HEADER_TIMEOUT", default: 10, range: 1...3_600))
        configuration.idleTimeout = .seconds(
            try number(idleTimeout, "EVIDENT_IDLE_TIMEOUT", default: 60, range: 1...86_400))
        configuration.stateCacheBytes = try number(
            cacheBytes, "EVIDENT_CACHE_BYTES", default: configuration.stateCacheBytes, range: 0...(1 << 40))
        var limits = SpecLimits.standard
        limits.maximumStateBytes = try number(
            maxStateBytes, "EVIDENT_MAX_STATE_BYTES", default: limits.maximumStateBytes, range: 1_024...(1 << 30))
        limits.maximumImpliedEvents = try number(
            maxImpliedEvents, "EVIDENT_MAX_IMPLIED_EVENTS", default: limits.maximumImpliedEvents, range: 0...1_000_000)
        limits.maximumHandlerSteps = try number(
            maxHandlerSteps, "EVIDENT_MAX_HANDLER_STEPS", default: limits.maximumHandlerSteps, range: 1...1_000_000_000)
        limits.patternMatchBudget = .milliseconds(
            try number(patternBudgetMs, "EVIDENT_PATTERN_BUDGET_MS", default: 10, range: 1...10_000))
        configuration.specLimits = limits
        let connectionsAllowed = FileLimit.raiseToMaximum() - FileLimit.reserved
        let requestedConnections = try number(
            maxConnections, "EVIDENT_MAX_CONNECTIONS",
            default: min(configuration.maximumConnections, connectionsAllowed),
            range: 1...1_000_000)
        guard requestedConnections <= connectionsAllowed else {
            throw ValidationError(
                "--max-connections \(requestedConnections) is more than the file limit allows (\(connectionsAllowed): "
                    + "the limit less \(FileLimit.reserved) for the database and logs); raise it with `ulimit -n`.")
        }
        configuration.maximumConnections = requestedConnections
        configuration.benchmarkFloor = benchmarkFloor
        if let consoleText = setting(console, "EVIDENT_CONSOLE"), !consoleText.isEmpty {
            guard let mode = ServerConfiguration.Console(rawValue: consoleText), mode != .onLoopback else {
                throw ValidationError("--console / EVIDENT_CONSOLE must be on or off; got '\(consoleText)'.")
            }
            configuration.console = mode
        }
        func rateLimit(_ flag: Int?, _ variable: String) throws -> Int? {
            guard flag != nil || !(environment[variable] ?? "").isEmpty else { return nil }
            return try number(flag, variable, default: 0, range: 1...1_000_000_000)
        }
        configuration.rateLimits.readsPerMinute = try rateLimit(rateLimitReads, "EVIDENT_RATE_LIMIT_READS")
        configuration.rateLimits.writesPerMinute = try rateLimit(rateLimitWrites, "EVIDENT_RATE_LIMIT_WRITES")
        let origins =
            corsOrigin.isEmpty
            ? (environment["EVIDENT_CORS_ORIGINS"] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty } : corsOrigin
        for origin in origins where origin != "*" {
            guard let url = URL(string: origin), ["http", "https"].contains(url.scheme?.lowercased()),
                url.host != nil, url.path.isEmpty, url.query == nil, url.user == nil
            else {
                throw ValidationError(
                    "--cors-origin '\(origin)' is not an origin: give a scheme and host (and a port when not the "
                        + "default), such as https://app.example.com, with no path or trailing '/'; or * for any.")
            }
        }
        configuration.corsOrigins = origins
        // For process tests only: the clock runs this many seconds ahead, so a schedule falls due without waiting.
        if let offset = environment["EVIDENT_TEST_CLOCK_OFFSET"], !offset.isEmpty {
            guard let seconds = Double(offset), seconds.isFinite else {
                throw ValidationError("EVIDENT_TEST_CLOCK_OFFSET must be a number of seconds; got '\(offset)'.")
            }
            configuration.clock = { Date().addingTimeInterval(seconds) }
        }
        let maximumStreamLength = try number(
            maxStreamLength, "EVIDENT_MAX_STREAM_LENGTH", default: 10_000, range: 1...1_000_000_000)

        let compiled = try setting(spec, "EVIDENT_SPEC").map { try Self.loadSpec($0, limits: limits) }
        let logger = Logger(label: "evident")
        let masterKey = try store.masterKey()
        let signingKey = try setting(signingKey, "EVIDENT_SIGNING_KEY_FILE").map { file in
            guard let data = FileManager.default.contents(atPath: file),
                let key = try? SigningKey(text: String(decoding: data, as: UTF8.self))
            else {
                throw ValidationError(
                    "Cannot read a signing key from \(file): it holds the base64 of 32 bytes, as `evident audit keygen` "
                        + "writes it.")
            }
            return key
        }
        // The store closes once the server has stopped, so appends still queued are committed and acknowledged
        // before the process ends.
        try await location.withStore(creating: true, maximumStreamLength: maximumStreamLength, logger: logger) {
            store in
            guard let readLocation else {
                return try await Self.serve(
                    store, masterKey: masterKey, signingKey: signingKey, spec: compiled, configuration: configuration,
                    logger: logger)
            }
            try await readLocation.withStore(creating: false, logger: logger) { readStore in
                try await Self.serve(
                    store, readStore: readStore, masterKey: masterKey, signingKey: signingKey, spec: compiled,
                    configuration: configuration, logger: logger)
            }
        }
    }

    /// Runs the server over `store` (reading from `readStore` when given) until SIGTERM or SIGINT.
    private static func serve(
        _ store: OpenedStore, readStore: OpenedStore? = nil, masterKey: MasterKey?, signingKey: SigningKey?,
        spec compiled: CompiledSpec?,
        configuration: ServerConfiguration, logger: Logger
    ) async throws {
        let server = EvidentServer(
            store: store.privacy(masterKey: masterKey), readStore: readStore?.privacy(masterKey: masterKey),
            configuration: configuration, logger: logger)
        try await server.start(spec: compiled)
        let specVersion = try? await server.engine.currentSpec().version
        let application = try await server.makeApplication { host, port in
            var metadata: Logger.Metadata = [
                "url": "http://\(host):\(port)", "database": "\(store)",
                "spec_version": "\(specVersion.map(String.init) ?? "none: PUT /_spec")",
            ]
            if let readStore { metadata["read_database"] = "\(readStore)" }
            logger.notice("Evident is listening", metadata: metadata)
        }
        // SIGTERM or SIGINT: stop accepting, let requests in progress finish for the grace period, then cancel
        // them (their work checks for cancellation between steps).
        var running: [any Service] = [application]
        if let signingKey {
            running.append(CheckpointSigner(store: store.store, key: signingKey, logger: logger))
        }
        running.append(SchedulerService(engine: server.engine))
        if let heartbeat = server.nodeHeartbeat(logger: logger) { running.append(heartbeat) }
        var services = ServiceGroupConfiguration(
            services: running, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        services.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod
        services.maximumCancellationDuration = .seconds(2)
        ShutdownWatchdog.arm(limit: configuration.shutdownGracePeriod + .seconds(3), logger: logger)
        try await ServiceGroup(configuration: services).run()
    }

    /// Reads and compiles a spec file; refuses to start with every problem listed.
    static func loadSpec(_ path: String, limits: SpecLimits) throws -> CompiledSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("Cannot read the spec file \(path).")
        }
        do {
            return try CompiledSpec(parsing: String(decoding: data, as: UTF8.self), limits: limits)
        } catch {
            let problems = error.problems.map { "  \($0)" }.joined(separator: "\n")
            FileHandle.standardError.write(
                Data("The spec \(path) has \(error.problems.count) problem(s):\n\(problems)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The process's limit on open files, which bounds how many connections the server can hold.
enum FileLimit {
    /// Files kept for the database, its journal, logs and the listening socket.
    static let reserved = 64

    /// Raises the soft limit to the hard one; returns the limit now in force.
    static func raiseToMaximum() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
