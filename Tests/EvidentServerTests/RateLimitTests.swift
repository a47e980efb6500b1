import Evident
import EvidentServer
import Foundation
import HTTPTypes
import Testing

@Suite("Rate limits and CORS")
struct RateLimitTests {
    static func configuration(_ clock: TestClock, reads: Int?, writes: Int?) -> ServerConfiguration {
        var configuration = clock.configuration
        configuration.rateLimits = .init(readsPerMinute: reads, writesPerMinute: writes)
        return configuration
    }

    @Test(
        "past its reads or writes per minute a key gets 429 with j17's body and headers, until the next minute",
        arguments: StoreKind.all)
    func perKey(_ store: StoreKind) async throws {
        let clock = TestClock()
        let server = try await TestServer(store, configuration: Self.configuration(clock, reads: 3, writes: 2))
        try await server.test { client in
            let admin = try #require(try await client.post("/_keys", ["scope": "admin"])["key"]?.string)
            let other = try #require(
                try await client.post("/_keys", ["scope": "write"], headers: bearer(admin))["key"]?.string)
            // The admin key has written once (the key above): one write left this minute.
            let cart = Fixture.id()
            let batch: JSON = [
                "events": [
                    ["type": "was_opened", "data": ["customer_id": "c"]],
                    ["type": "item_was_added", "data": Fixture.item],
                ],
                "metadata": Fixture.metadata(),
            ]
            let written = try await client.post("/cart/\(cart)", batch, headers: bearer(admin))
            #expect(written.status == .created)
            #expect(written.headers[.init("X-RateLimit-Remaining")!] == "0")
            #expect(written.headers[.init("X-RateLimit-Scope")!] == "write")

            let refused = try await client.post(
                "/cart/\(cart)/coupon_was_applied", Fixture.event(["code": "A", "percent": 5]), headers: bearer(admin))
            #expect(refused.status == .tooManyRequests)
            #expect(
                refused.json
                    == ["ok": false, "error": "Rate limit exceeded", "scope": "write", "limit": 2, "window": 60])
            #expect(refused.headers[.init("X-RateLimit-Limit")!] == "2")
            #expect(refused.headers[.init("X-RateLimit-Remaining")!] == "0")
            #expect(refused.headers[.init("X-RateLimit-Scope")!] == "write")
            #expect(refused.headers[.retryAfter] == "60")
            // Nothing was written by the refused request.
            #expect(try await client.get("/cart/\(cart)/length", headers: bearer(admin))["length"] == 2)

            // Reads count apart: three, then 429.
            for remaining in ["1", "0"] {
                let answer = try await client.get("/cart/\(cart)", headers: bearer(admin))
                #expect(answer.status == .ok)
                #expect(answer.headers[.init("X-RateLimit-Remaining")!] == remaining)
                #expect(answer.headers[.init("X-RateLimit-Limit")!] == "3")
            }
            let readRefused = try await client.get("/cart/\(cart)", headers: bearer(admin))
            #expect(readRefused.status == .tooManyRequests && readRefused["scope"] == "read")
            // Another key has its own counts.
            #expect(try await client.get("/cart/\(cart)", headers: bearer(other)).status == .ok)
            // Open routes are not counted.
            #expect(try await client.get("/_health").headers[.init("X-RateLimit-Remaining")!] == nil)

            clock.advance(30)
            let later = try await client.get("/cart/\(cart)", headers: bearer(admin))
            #expect(later.status == .tooManyRequests && later.headers[.retryAfter] == "30")
            clock.advance(30)
            let nextMinute = try await client.get("/cart/\(cart)", headers: bearer(admin))
            #expect(nextMinute.status == .ok && nextMinute.headers[.init("X-RateLimit-Remaining")!] == "2")
        }
    }

    @Test("without keys, requests count against the client's address; no limit set, no headers")
    func perAddressAndOff() async throws {
        let clock = TestClock()
        try await TestServer(configuration: Self.configuration(clock, reads: 1, writes: nil)).test { client in
            #expect(try await client.get("/_spec").status == .ok)
            let refused = try await client.get("/_spec")
            #expect(refused.status == .tooManyRequests && refused["limit"] == 1)
            let write = try await client.post("/cart/\(Fixture.id())/was_opened", Fixture.event(["customer_id": "c"]))
            #expect(write.status == .created && write.headers[.init("X-RateLimit-Remaining")!] == nil)
        }
        try await TestServer().test { client in
            for _ in 0..<5 {
                let answer = try await client.get("/_spec")
                #expect(answer.status == .ok && answer.headers[.init("X-RateLimit-Remaining")!] == nil)
            }
        }
    }

    @Test("CORS: a preflight from an allowed origin is answered without a key; others get no CORS headers")
    func cors() async throws {
        var configuration = TestServer.configuration
        configuration.corsOrigins = ["https://app.example.com"]
        try await TestServer(configuration: configuration).test { client in
            let admin = try #require(try await client.post("/_keys", ["scope": "admin"])["key"]?.string)
            let preflight: HTTPFields = [
                .origin: "https://app.example.com", .accessControlRequestMethod: "POST",
                .accessControlRequestHeaders: "authorization, content-type",
            ]
            for path in ["/cart/\(Fixture.id())/was_opened", "/_keys/0123456789ab/rotate", "/_spec"] {
                let answer = try await client.request(.options, path, headers: preflight)
                #expect(answer.status == .noContent, "\(path)")
                #expect(answer.headers[.accessControlAllowOrigin] == "https://app.example.com")
                #expect(answer.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(answer.headers[.accessControlAllowHeaders]?.contains("authorization") == true)
                #expect(answer.headers[.vary] == "Origin")
            }
            var elsewhere = preflight
            elsewhere[.origin] = "https://evil.example"
            let refused = try await client.request(.options, "/_spec", headers: elsewhere)
            #expect(refused.status != .noContent && refused.headers[.accessControlAllowOrigin] == nil)

            let read = try await client.get(
                "/_spec", headers: [.origin: "https://app.example.com", .authorization: "Bearer \(admin)"])
            #expect(read.status == .ok && read.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(read.headers[.accessControlExposeHeaders]?.contains("X-RateLimit-Remaining") == true)
            let unauthorized = try await client.get("/_spec", headers: [.origin: "https://app.example.com"])
            #expect(unauthorized.status == .unauthorized)
            #expect(unauthorized.headers[.accessControlAllowOrigin] == "https://app.example.com")
        }
        // Off by default: a preflight is an unknown route.
        try await TestServer().test { client in
            let answer = try await client.request(
                .options, "/_spec", headers: [.origin: "https://app.example.com", .accessControlRequestMethod: "PUT"])
            #expect(answer.status != .noContent && answer.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
