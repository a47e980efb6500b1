import Evident
import EvidentPostgres
import EvidentSQLite
import EvidentServer
import EvidentSpec
import EvidentTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The stores the server tests run on: SQLite, and PostgreSQL unless `EVIDENT_SKIP_POSTGRES=1`.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static var all: [StoreKind] { PostgresTestServer.isEnabled ? allCases : [.sqlite] }
    var testDescription: String { rawValue }

    /// A fresh, empty store that encrypts personal data, as `evident serve` opens it, and what closes it.
    func open(maximumStreamLength: Int?, directory: TemporaryDirectory) async throws -> (
        any EventStore, @Sendable () async -> Void
    ) {
        switch self {
        case .sqlite:
            var configuration = SQLiteEventStoreConfiguration()
            configuration.maximumStreamLength = maximumStreamLength
            let store = try SQLiteEventStore(path: directory.file("evident.sqlite"), configuration: configuration)
            return (PrivacyEventStore(store), { await store.close() })
        case .postgres:
            var configuration = try PostgresStoreConfiguration(url: PostgresTestServer.freshURL(prefix: "server"))
            configuration.maximumStreamLength = maximumStreamLength
            configuration.maximumConnections = 4
            let store = try await PostgresEventStore.connect(configuration)
            return (PrivacyEventStore(store), { await store.close() })
        }
    }
}

/// A server over a fresh store, running the example shop spec, driven in-process through the router.
struct TestServer {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let shopSpec = try! CompiledSpec(
        parsing: String(contentsOf: repository.appendingPathComponent("Examples/specs/shop.json"), encoding: .utf8))

    let server: EvidentServer
    let directory: TemporaryDirectory
    private let closeStore: @Sendable () async -> Void

    /// The defaults, but a request timeout no busy test machine reaches: a test of the timeout sets its own.
    static var configuration: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.requestTimeout = .seconds(600)
        return configuration
    }

    /// `readStore` makes the store reads go to from the primary store; by default reads go to it.
    init(
        _ kind: StoreKind = .sqlite, configuration: ServerConfiguration = TestServer.configuration,
        spec: CompiledSpec? = TestServer.shopSpec, maximumStreamLength: Int? = nil,
        readStore: (any EventStore) -> any EventStore = { $0 }
    ) async throws {
        directory = try TemporaryDirectory(prefix: "evident-server-tests")
        let (store, close) = try await kind.open(maximumStreamLength: maximumStreamLength, directory: directory)
        closeStore = close
        server = EvidentServer(store: store, readStore: readStore(store), configuration: configuration)
        do {
            try await server.start(spec: spec)
        } catch {
            await close()
            throw error
        }
    }

    /// Runs `body` with a client of the router, then closes the store: call it once per server.
    func test(openWithoutKeys: Bool = true, _ body: @escaping @Sendable (Client) async throws -> Void) async throws {
        let application = Application(router: server.makeRouter(openWithoutKeys: openWithoutKeys))
        do {
            try await application.test(.router) { client in try await body(Client(client: client)) }
        } catch {
            await closeStore()
            throw error
        }
        await closeStore()
    }
}

/// What a response says: its status, the JSON body, and headers.
struct Answer {
    var status: HTTPResponse.Status
    var json: JSON
    var text: String
    var headers: HTTPFields

    subscript(key: String) -> JSON? { json[key] }

    /// A write's `position`, when its body and its `Evident-Position` header agree on it.
    var position: Int? {
        guard let body = json["position"]?.number, headers[.evidentPosition] == String(Int(body)) else { return nil }
        return Int(body)
    }
}

extension HTTPField.Name {
    static let evidentPosition = HTTPField.Name("Evident-Position")!
    static let evidentAfter = HTTPField.Name("Evident-After")!
}

struct Client: Sendable {
    let client: any TestClientProtocol

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, json: JSON? = nil, body: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> Answer {
        let bytes = json.map { ByteBuffer(bytes: $0.serialized()) } ?? body.map { ByteBuffer(string: $0) }
        return try await client.execute(uri: uri, method: method, headers: headers, body: bytes) { response in
            let text = String(buffer: response.body)
            return Answer(
                status: response.status, json: (try? JSON(parsing: text)) ?? .null, text: text,
                headers: response.headers)
        }
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> Answer {
        try await request(.get, uri, headers: headers)
    }

    /// Posts `json`; a test that only needs the write done may ignore the answer.
    @discardableResult
    func post(_ uri: String, _ json: JSON, headers: HTTPFields = [:]) async throws -> Answer {
        try await request(.post, uri, json: json, headers: headers)
    }
}

enum Fixture {
    static func id() -> String { UUID().uuidString.lowercased() }
    static let customer = id()
    static func metadata(_ extra: [String: JSON] = [:], actorType: String = "customer") -> JSON {
        var object = extra
        object["actor"] = ["type": .string(actorType), "id": .string(customer)]
        return .object(object)
    }

    static func event(_ data: JSON, _ extra: [String: JSON] = [:]) -> JSON {
        ["data": data, "metadata": metadata(extra)]
    }

    static let item: JSON = ["sku": "apple", "quantity": 2, "unit_price": 1.5]
}
