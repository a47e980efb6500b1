import Evident
import EvidentEngine
import EvidentServer
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@Suite("Console")
struct ConsoleTests {
    static let javaScript = "text/javascript; charset=utf-8"

    @Test("the console's files come with their content types and a strict Content-Security-Policy, without a key")
    func files() async throws {
        let server = try await TestServer()
        _ = try await server.server.engine.keys.create(scope: .admin)
        try await server.test { client in
            let index = try await client.get("/_console/")
            #expect(index.status == .ok)
            #expect(index.headers[.contentType] == "text/html; charset=utf-8")
            #expect(index.text.contains(#"<script type="module" src="/_console/app.js"></script>"#))
            Self.expectSecurityHeaders(index)
            let policy = index.headers[.contentSecurityPolicy] ?? ""
            #expect(policy.contains("default-src 'self'"))
            #expect(policy.contains("script-src 'self';"))
            #expect(!policy.contains("unsafe"))

            // Every module app.js imports is served, as JavaScript: the fixed map holds them all.
            let app = try await client.get("/_console/app.js")
            #expect(app.status == .ok)
            #expect(app.headers[.contentType] == Self.javaScript)
            let imports = app.text.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("import"), let from = line.range(of: "from './") else { return nil }
                return String(line[from.upperBound...].prefix { $0 != "'" })
            }
            #expect(imports.count >= 8)
            for module in imports {
                let answer = try await client.get("/_console/\(module)")
                #expect(answer.status == .ok, "\(module)")
                #expect(answer.headers[.contentType] == Self.javaScript, "\(module)")
                Self.expectSecurityHeaders(answer)
            }
            let css = try await client.get("/_console/console.css")
            #expect(css.status == .ok)
            #expect(css.headers[.contentType] == "text/css; charset=utf-8")
            let icon = try await client.get("/_console/icon.svg")
            #expect(icon.headers[.contentType] == "image/svg+xml")

            // The files need no key; the API they call does.
            let whoami = try await client.get("/_whoami")
            #expect(whoami.status == .unauthorized)
        }
    }

    @Test("only the files of the map are served: any other path under /_console is 404, a write 405")
    func unknownPaths() async throws {
        try await TestServer().test { client in
            for path in [
                "/_console/nothing.js", "/_console/../Package.swift", "/_console/%2e%2e/Package.swift",
                "/_console//app.js", "/_console/app.js/", "/_console/Files/app.js", "/_console/index.html",
                "/_console/./app.js", "/_console/ConsoleFiles.swift", "/_console/APP.JS",
            ] {
                let answer = try await client.get(path)
                #expect(answer.status == .notFound, "\(path)")
                #expect(answer["ok"] == false, "\(path)")
                #expect(answer.headers[.xContentTypeOptions] == "nosniff", "\(path)")
            }
            let write = try await client.request(.post, "/_console/", body: "{}")
            #expect(write.status == .methodNotAllowed)
            let redirect = try await client.get("/_console")
            #expect(redirect.status == .permanentRedirect)
            #expect(redirect.headers[.location] == "/_console/")
        }
    }

    @Test("with the console off, or by default on a server beyond loopback, /_console/ is not there")
    func absent() async throws {
        var off = TestServer.configuration
        off.console = .off
        try await TestServer(configuration: off).test { client in
            for path in ["/_console/", "/_console/app.js", "/_console"] {
                let answer = try await client.get(path)
                #expect(answer.status == .notFound, "\(path)")
            }
            let health = try await client.get("/_health")
            #expect(health.status == .ok)
        }
        let server = try await TestServer()
        _ = try await server.server.engine.keys.create(scope: .admin)
        try await server.test(openWithoutKeys: false) { client in
            let page = try await client.get("/_console/")
            #expect(page.status == .notFound)
            // `/_console/app.js` is then only the shape of an aggregate read, which needs a key.
            let script = try await client.get("/_console/app.js")
            #expect(script.status == .unauthorized)
            #expect(script.headers[.contentType] == "application/json; charset=utf-8")
        }
        var on = TestServer.configuration
        on.console = .on
        let always = try await TestServer(configuration: on)
        _ = try await always.server.engine.keys.create(scope: .admin)
        try await always.test(openWithoutKeys: false) { client in
            let answer = try await client.get("/_console/")
            #expect(answer.status == .ok)
        }
    }

    @Test("GET /_streams counts streams and events per aggregate type and finds ids; GET /_whoami names the scope")
    func streamsAndWhoami() async throws {
        let server = try await TestServer()
        let (_, readKey, _) = try await server.server.engine.keys.create(scope: .read)
        let (adminID, adminKey, _) = try await server.server.engine.keys.create(scope: .admin)
        try await server.test { client in
            let admin: HTTPFields = [.authorization: "Bearer \(adminKey)"]
            let carts = (0..<3).map { _ in Fixture.id() }
            var position = 0
            for cart in carts {
                let opened = try await client.post(
                    "/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]), headers: admin)
                #expect(opened.status == .created)
                let added = try await client.post(
                    "/cart/\(cart)/item_was_added", Fixture.event(Fixture.item), headers: admin)
                position = added.position ?? 0
            }
            let counts = try await client.get("/_streams?after=\(position)", headers: admin)
            #expect(counts.status == .ok)
            let types = counts["types"]?.array ?? []
            #expect(types.contains(["type": "cart", "streams": 3, "events": 6]))
            #expect(types.contains(["type": "order", "streams": 0, "events": 0]))
            #expect(counts["complete"] == true)

            let found = try await client.get(
                "/_streams?type=cart&search=\(carts[1].prefix(8).uppercased())", headers: admin)
            #expect(found["ids"] == [.string(carts[1])])
            let newestFirst = try await client.get("/_streams?type=cart&limit=2", headers: admin)
            #expect(newestFirst["ids"] == [.string(carts[2]), .string(carts[1])])
            let badLimit = try await client.get("/_streams?limit=0", headers: admin)
            #expect(badLimit.status == .badRequest)

            let read = try await client.get("/_whoami", headers: [.authorization: "Bearer \(readKey)"])
            #expect(read["scope"] == "read")
            #expect(read["open"] == false)
            let whoami = try await client.get("/_whoami", headers: admin)
            #expect(whoami["scope"] == "admin")
            #expect(whoami["key_id"] == .string(adminID))
        }
    }

    @Test("GET /_consumers/{name} answers a consumer's checkpoint, lag and parked events; GET /_consumers lists them")
    func consumers() async throws {
        let server = try await TestServer()
        let store = try #require((server.server.store as? PrivacyEventStore)?.base as? any CheckpointStore)
        try await server.test { client in
            let cart = Fixture.id()
            let opened = try await client.post("/cart/\(cart)/was_opened", Fixture.event(["customer_id": "c"]))
            let head = try #require(opened.position)
            let event = try #require(try await server.server.store.readLog(after: 0, filter: .all, limit: 10).last)
            try await store.park(
                ParkedEvent(
                    consumer: "totals", position: event.position, eventId: event.id, stream: event.stream,
                    eventType: event.type, error: "the read model refused it", attempts: 3,
                    parkedAt: Date(timeIntervalSince1970: 1_796_212_000)))
            try await store.saveCheckpoint(1, of: "totals")

            let totals = try await client.get("/_consumers/totals")
            #expect(totals.status == .ok)
            #expect(totals["checkpoint"] == 1)
            #expect(totals["head"] == .int(head))
            #expect(totals["lag"] == .int(head - 1))
            #expect(
                totals["parked"]
                    == [
                        [
                            "position": .int(Int(event.position)), "id": .string(event.id.uuidString.lowercased()),
                            "key": .string("cart:\(cart)"), "type": "was_opened", "error": "the read model refused it",
                            "attempts": 3, "parked_at": 1_796_212_000,
                        ]
                    ])
            let unknown = try await client.get("/_consumers/nobody")
            #expect(unknown["checkpoint"] == 0)
            #expect(unknown["parked"] == [])

            // The list names every consumer with a checkpoint, and only those.
            let listed = try await client.get("/_consumers")
            #expect(listed.status == .ok)
            #expect(
                listed["consumers"]
                    == [
                        ["consumer": "totals", "checkpoint": 1, "head": .int(head), "lag": .int(head - 1), "parked": 1]
                    ])
        }
    }

    @Test("while no key exists, /_whoami says the server is open")
    func whoamiOpen() async throws {
        try await TestServer().test { client in
            let whoami = try await client.get("/_whoami")
            #expect(whoami["scope"] == "admin")
            #expect(whoami["open"] == true)
        }
    }

    static func expectSecurityHeaders(_ answer: Answer, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(answer.headers[.xContentTypeOptions] == "nosniff", sourceLocation: sourceLocation)
        #expect(answer.headers[.contentSecurityPolicy] != nil, sourceLocation: sourceLocation)
        #expect(answer.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", sourceLocation: sourceLocation)
    }
}
