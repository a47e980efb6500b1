import Evident
import EvidentTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `evident keys` (names, rotation, scheduled revocation) and `evident serve`'s rate limits and CORS, against
/// real processes.
@Suite("keys, rate limits and CORS, live", .onBlockingThreads, .serialized)
struct KeysAndLimitsLiveTests {
    @Test("evident keys: create --name, list, rotate, schedule-revocation")
    func keysCommand() throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("evident.sqlite")
        let created = try EvidentBinary.run(
            ["keys", "create", "--db", database, "--scope", "admin", "--name", "ops laptop", "--json"])
        #expect(created.status == 0, "\(created.error)")
        let json = try JSON(parsing: created.output)
        #expect(json["name"] == "ops laptop")
        let id = try #require(json["id"]?.string)
        let key = try #require(json["key"]?.string)

        let listed = try EvidentBinary.run(["keys", "list", "--db", database])
        #expect(listed.status == 0)
        #expect(listed.output.contains("\(id)  admin  ops laptop  created 20"), "\(listed.output)")
        #expect(listed.output.contains("last used never"))
        let listedJSON = try JSON(parsing: try EvidentBinary.run(["keys", "list", "--db", database, "--json"]).output)
        #expect(listedJSON["id"]?.string == id && listedJSON["last_used_at"] == .null)
        #expect(listedJSON["created_at"]?.string?.hasSuffix("Z") == true)

        let badName = try EvidentBinary.run(["keys", "create", "--db", database, "--scope", "read", "--name", ""])
        #expect(badName.status == 64 && badName.error.contains("--name"), "\(badName.error)")

        // Scheduling: in the past, malformed, the last admin key, then a write key.
        let past = try EvidentBinary.run(
            ["keys", "schedule-revocation", "--db", database, id, "--at", "2001-01-01T00:00:00Z"])
        #expect(past.status == 64 && past.error.contains("not in the future"), "\(past.error)")
        let malformed = try EvidentBinary.run(["keys", "schedule-revocation", "--db", database, id, "--at", "soon"])
        #expect(malformed.status == 64 && malformed.error.contains("ISO 8601"), "\(malformed.error)")
        let lonely = try EvidentBinary.run(
            ["keys", "schedule-revocation", "--db", database, id, "--at", "2999-01-01T00:00:00Z"])
        #expect(lonely.status == 64 && lonely.error.contains("--force"), "\(lonely.error)")
        let write = try createKey("write", database: database)
        let scheduled = try EvidentBinary.run(
            ["keys", "schedule-revocation", "--db", database, write.id, "--at", "2999-01-01T01:00:00+01:00"])
        #expect(scheduled.status == 0 && scheduled.output.contains("2999-01-01T00:00:00.000Z"), "\(scheduled.error)")
        let afterSchedule = try EvidentBinary.run(["keys", "list", "--db", database]).output
        #expect(afterSchedule.contains("revoked at 2999-01-01T00:00:00.000Z"), "\(afterSchedule)")

        // Rotation of the last admin key: a new key with the same name and scope; the old one is gone.
        let rotated = try EvidentBinary.run(["keys", "rotate", "--db", database, id, "--json"])
        #expect(rotated.status == 0, "\(rotated.error)")
        let rotatedJSON = try JSON(parsing: rotated.output)
        let newKey = try #require(rotatedJSON["key"]?.string)
        #expect(newKey != key && rotatedJSON["name"] == "ops laptop" && rotatedJSON["scope"] == "admin")
        #expect(rotatedJSON["rotated_from"]?.string == id)
        let afterRotation = try EvidentBinary.run(["keys", "list", "--db", database]).output
        #expect(!afterRotation.contains(id) && afterRotation.contains("ops laptop"), "\(afterRotation)")
        let unknown = try EvidentBinary.run(["keys", "rotate", "--db", database, id])
        #expect(unknown.status == 1 && unknown.error.contains("No API key with id '\(id)'"))
        // Old commands still work.
        #expect(try EvidentBinary.run(["keys", "revoke", "--db", database, write.id]).status == 0)
    }

    @Test("serve --rate-limit-reads: 429 with j17's body and headers; the flags and variables are checked")
    func rateLimit() throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("evident.sqlite")
        let read = try createKey("read", database: database)
        let server = try ServerProcess(
            directory: directory, spec: ServeLiveTests.shopSpec, extraArguments: ["--rate-limit-reads", "2"])
        defer { server.kill(signal: SIGTERM) }
        // Fixed windows of a calendar minute: a minute that turns during the requests starts the count over,
        // so the refusal comes at the third request, or (once a minute turned) a few later.
        var refused: RawHTTP.Response?
        var first: RawHTTP.Response?
        for _ in 0..<6 where refused == nil {
            let answer = try RawHTTP.request(
                port: server.port, method: "GET", path: "/_spec", headers: ["Authorization": "Bearer \(read.key)"])
            if answer.status == 429 { refused = answer } else if first == nil { first = answer }
        }
        #expect(first?.status == 200 && first?.header("X-RateLimit-Remaining") == "1")
        let answer = try #require(refused)
        #expect(
            try JSON(parsing: answer.body)
                == ["ok": false, "error": "Rate limit exceeded", "scope": "read", "limit": 2, "window": 60])
        #expect(answer.header("X-RateLimit-Limit") == "2")
        #expect(answer.header("X-RateLimit-Remaining") == "0")
        #expect(answer.header("X-RateLimit-Scope") == "read")
        #expect(answer.header("Retry-After").flatMap(Int.init).map { (1...60).contains($0) } == true)

        let zero = try EvidentBinary.run(
            ["serve", "--db", database, "--port", "0"], environment: ["EVIDENT_RATE_LIMIT_WRITES": "0"])
        #expect(zero.status == 64 && zero.error.contains("EVIDENT_RATE_LIMIT_WRITES"), "\(zero.error)")
        let origin = try EvidentBinary.run([
            "serve", "--db", database, "--port", "0", "--cors-origin", "app.example.com/",
        ])
        #expect(origin.status == 64 && origin.error.contains("is not an origin"), "\(origin.error)")
    }

    @Test("serve --cors-origin: curl's preflight is answered without a key, on every kind of route")
    func corsPreflightWithCurl() throws {
        let directory = try TemporaryDirectory()
        let database = directory.file("evident.sqlite")
        let admin = try createKey("admin", database: database)
        let server = try ServerProcess(
            directory: directory, spec: ServeLiveTests.shopSpec,
            extraArguments: ["--cors-origin", "https://app.example.com", "--cors-origin", "http://localhost:3000"])
        defer { server.kill(signal: SIGTERM) }
        func curl(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            let output = Pipe()
            process.standardOutput = output
            process.arguments = ["-s", "-i", "--max-time", "30"] + arguments
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).lowercased()
        }
        let base = "http://127.0.0.1:\(server.port)"
        for (method, path) in [
            ("POST", "/cart/c1/was_opened"), ("GET", "/cart/c1"), ("PUT", "/_spec"),
            ("DELETE", "/_keys/\(admin.id)"), ("POST", "/_keys/\(admin.id)/rotate"),
        ] {
            let head = try curl([
                "-X", "OPTIONS", base + path, "-H", "Origin: http://localhost:3000",
                "-H", "Access-Control-Request-Method: \(method)",
                "-H", "Access-Control-Request-Headers: authorization, content-type",
            ])
            #expect(head.hasPrefix("http/1.1 204"), "\(method) \(path): \(head)")
            #expect(head.contains("access-control-allow-origin: http://localhost:3000"), "\(head)")
            #expect(head.contains("access-control-allow-methods:") && head.contains(method.lowercased()), "\(head)")
            #expect(head.contains("access-control-allow-headers:") && head.contains("authorization"), "\(head)")
        }
        let other = try curl([
            "-X", "OPTIONS", base + "/_spec", "-H", "Origin: https://evil.example",
            "-H", "Access-Control-Request-Method: GET",
        ])
        #expect(!other.contains("access-control-allow-origin"), "\(other)")
        let read = try curl([
            base + "/_spec", "-H", "Origin: https://app.example.com", "-H", "Authorization: Bearer \(admin.key)",
        ])
        #expect(read.hasPrefix("http/1.1 200") && read.contains("access-control-allow-origin: https://app.example.com"))
        // The preflight changed nothing: the admin key still works.
        #expect(try curl([base + "/_keys", "-H", "Authorization: Bearer \(admin.key)"]).hasPrefix("http/1.1 200"))
    }
}
