public import Evident
public import EvidentEngine
public import EvidentSpec
public import Hummingbird
import HummingbirdCore
public import Logging

/// The HTTP server: the j17-compatible API over a ``SpecEngine``, which does all the work; the server parses
/// requests, checks keys and maps the engine's answers and errors to HTTP.
///
/// ```swift
/// let server = EvidentServer(store: try SQLiteEventStore(path: "evident.sqlite"))
/// try await server.start(spec: try CompiledSpec(parsing: specText))
/// try await server.makeApplication().runService()
/// ```
public struct EvidentServer: Sendable {
    public let engine: SpecEngine
    public let configuration: ServerConfiguration
    let metrics: ServerMetrics
    let logger: Logger
    /// This server process as a node of those serving the store, for `GET /_nodes`.
    public let node: ServerNode
    /// Streams per aggregate type, for `GET /_streams`.
    let streamCatalog = StreamCatalog()
    /// The counts of requests per minute, when ``ServerConfiguration/rateLimits`` sets a limit; one per server,
    /// shared by every router it makes.
    let rateLimiter: RateLimiter?

    public var store: any EventStore { engine.store }
    var keys: APIKeys { engine.keys }

    /// `readStore`: where reads of aggregates and of the log go (a replica of `store`), `store` by default;
    /// writes and all they decide on go to `store`.
    public init(
        store: any EventStore, readStore: (any EventStore)? = nil,
        configuration: ServerConfiguration = ServerConfiguration(),
        logger: Logger = Logger(label: "evident.server", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.logger = logger
        let metrics = ServerMetrics()
        self.metrics = metrics
        node = ServerNode(startedAt: configuration.clock())
        var engine = EngineConfiguration()
        engine.specLimits = configuration.specLimits
        engine.stateCacheBytes = configuration.stateCacheBytes
        engine.dryRunStreamLimit = configuration.dryRunStreamLimit
        engine.clock = configuration.clock
        rateLimiter = configuration.rateLimits.isEnabled ? RateLimiter(limits: configuration.rateLimits) : nil
        self.engine = SpecEngine(
            store: store, readStore: readStore, configuration: engine, metrics: metrics.factory, logger: logger)
    }

    /// Stores `spec` as a new version when it differs from the one in force.
    public func start(spec: CompiledSpec?) async throws {
        if let spec { try await engine.putSpec(spec) }
    }

    /// The router with every route of the API, for `HummingbirdTesting` or an application. With
    /// `openWithoutKeys` (for a server bound to loopback), requests need no key while no key exists;
    /// otherwise they always do. The web console is served at `/_console/` as ``ServerConfiguration/console``
    /// says, with `openWithoutKeys` standing for a server bound to loopback.
    public func makeRouter(openWithoutKeys: Bool = true) -> Router<EvidentRequestContext> {
        makeRoutes(openWithoutKeys: openWithoutKeys).router
    }

    /// Every route of the API with who may call it.
    public var routeDeclarations: [RouteDeclaration] { makeRoutes(openWithoutKeys: false).declarations }

    private func makeRoutes(openWithoutKeys: Bool) -> Routes {
        let router = Router(context: EvidentRequestContext.self)
        // The console's static files answer before the API's middleware, whose canonical-path rule refuses the
        // trailing `/` of `/_console/`; the console answers nothing else.
        if configuration.console.isServed(onLoopback: openWithoutKeys) { router.middlewares.add(ConsoleMiddleware()) }
        // A preflight is answered before any route or key check: a browser sends no key with it.
        if !configuration.corsOrigins.isEmpty { router.middlewares.add(CORSPolicy(origins: configuration.corsOrigins)) }
        router.middlewares.add(
            EvidentMiddleware(metrics: metrics, requestTimeout: configuration.requestTimeout, logger: logger))
        var routes = Routes(
            router: router,
            authorization: Authorization(
                keys: keys, openWithoutKeys: openWithoutKeys, rateLimiter: rateLimiter, clock: configuration.clock))
        routes.group(.open, addOpenRoutes)
        routes.group(.scope(.read)) { routes in
            addServerReads(&routes)
            addSpecReads(&routes)
            addAuditReads(&routes)
            addStreamRoutes(&routes)
            addWhoamiRoute(&routes)
            addConsumerRoutes(&routes)
            addLogRoutes(&routes)
            addScheduleRoutes(&routes)
            addAggregateReads(&routes)
            addProjectionReads(&routes)
            addNodeRoutes(&routes)
            if configuration.benchmarkFloor { addFloorRoute(.get, &routes) }
        }
        routes.group(.scope(.write)) { routes in
            addWriteRoutes(&routes)
            if configuration.benchmarkFloor { addFloorRoute(.post, &routes) }
        }
        routes.group(.scope(.admin)) { routes in
            addSpecAdministration(&routes)
            addKeyRoutes(&routes)
            addAdministrationRoutes(&routes)
            addProjectionAdministration(&routes)
            addConsumerAdministration(&routes)
        }
        return routes
    }

    /// The application listening on the configured address (loopback only while no API key exists).
    /// `onServerRunning` receives the address and port it listens on.
    public func makeApplication(onServerRunning: @escaping @Sendable (String, Int) async -> Void = { _, _ in })
        async throws
        -> some ApplicationProtocol
    {
        var host = configuration.host
        if try await !keys.hasKeys() {
            if !Self.isLoopback(host) {
                logger.warning(
                    "No API keys exist: listening on loopback only, open to every local client",
                    metadata: ["requested_host": "\(host)"])
                host = "127.0.0.1"
            } else {
                logger.notice(
                    "No API keys exist: the API is open to local clients; create one with `evident keys create`")
            }
        }
        let connections = ConnectionGuard(
            maximumConnections: configuration.maximumConnections, headerTimeout: configuration.headerTimeout,
            idleTimeout: configuration.idleTimeout)
        return Application(
            router: makeRouter(openWithoutKeys: Self.isLoopback(host)),
            server: .http1(
                configuration: HTTP1Channel.Configuration(additionalChannelHandlers: connections.handlers())),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: configuration.port), serverName: "evident"),
            onServerRunning: { [host, node] channel in
                let port = channel.localAddress?.port ?? 0
                node.bound(to: ServerNode.address(host: channel.localAddress?.ipAddress ?? host, port: port))
                await onServerRunning(host, port)
            },
            logger: logger)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
