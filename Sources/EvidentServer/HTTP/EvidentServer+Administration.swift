import Evident
import EvidentEngine
import EvidentSpec
import HTTPTypes
import Hummingbird

extension EvidentServer {
    /// `/_health` and `/_openapi.json`, which need no key.
    func addOpenRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_health") { _, _ in
            do {
                return Response.ok(["head_position": .int(Int(try await store.headPosition()))])
            } catch {
                throw APIError(.serviceUnavailable, "The store does not answer.")
            }
        }

        routes.on(.get, "/_openapi.json") { _, _ in
            Response.json(OpenAPIDocument.json)
        }
    }

    /// `/_metrics`.
    func addServerReads(_ routes: inout Routes.Group) {
        routes.on(.get, "/_metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
    }

    /// `GET /_audit/head`: the latest signed head, for auditors to keep. `GET /_audit/verifications?limit=N`: the
    /// latest runs of `GET /_verify` (10, at most 100), newest first.
    func addAuditReads(_ routes: inout Routes.Group) {
        routes.on(.get, "/_audit/head") { _, _ in
            guard let checkpoint = try await CheckpointSigner.latest(in: engine.store) else {
                throw APIError(.notFound, "No signed head yet: start the server with --signing-key FILE.")
            }
            return Response.ok(checkpoint.json.object ?? [:])
        }

        routes.on(.get, "/_audit/verifications") { request, _ in
            let limit = try request.integerQuery("limit", in: 1...100) ?? 10
            return Response.ok(["verifications": .array(try await ChainVerification.latest(limit, in: engine.store))])
        }
    }

    /// Verification (each run recorded in `$audit:verifications`) and forgetting.
    func addAdministrationRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_verify") { request, _ in
            let from = try request.integerQuery("from", in: 1...Int.max) ?? 1
            guard let store = engine.store as? any VerifiableStore else {
                throw APIError(.notImplemented, "This server's store keeps no hash chain.")
            }
            let result = try await LogVerifier.verify(store, after: Int64(from - 1))
            _ = try await ChainVerification.record(
                ChainVerification.data(from: Int64(from), result: result, keyID: Authorization.keyID(of: request)),
                in: engine.store)
            switch result {
            case .success(let verified):
                return Response.ok([
                    "verified": .int(verified.events), "head": .int(Int(verified.head)),
                    "hash": .string(LogChain.hex(verified.hash)),
                ])
            case .failure(let tampering):
                return Response.ok(["tampered": .int(Int(tampering.position)), "reason": .string(tampering.reason)])
            }
        }

        routes.on(.delete, "/_subjects/:id") { request, context in
            let subject = try context.parameter("id")
            guard
                let receipt = try await engine.forget(
                    subject: subject, reason: request.uri.queryParameters.get("reason"))
            else {
                throw APIError(
                    .notFound, "No personal data of subject '\(subject)' is stored, or it was forgotten already.")
            }
            return Response.written(["receipt": receipt.apiJSON], position: receipt.event?.position ?? 0, status: .ok)
        }

        routes.on(.get, "/_subjects/:id") { _, context in
            let subject = try context.parameter("id")
            var body: [String: JSON] = ["subject_hash": .string(PrivacyEventStore.subjectHash(subject))]
            switch try await engine.status(ofSubject: subject) {
            case .unknown:
                body["status"] = "unknown"
                body["events"] = 0
            case .live(let events, let streams):
                body["status"] = "live"
                body["events"] = .int(events)
                body["streams"] = .array(streams.map { .string($0.description) })
            case .forgotten(let receipt):
                body["status"] = "forgotten"
                body["receipt"] = receipt?.apiJSON ?? .null
            }
            return Response.ok(body)
        }
    }
}

extension ForgettingReceipt {
    /// The receipt as the API shows it: its data, and where its event is.
    var apiJSON: JSON {
        var object = json.object ?? [:]
        if let event {
            object["position"] = .int(Int(event.position))
            object["stream"] = .string(event.stream.description)
        }
        return .object(object)
    }
}

extension EvidentServer {
    /// `/_bench/floor?bytes=N`: a constant body of N bytes (at most 1 MiB), after reading the request's body
    /// like a write does; see ``ServerConfiguration/benchmarkFloor``.
    func addFloorRoute(_ method: HTTPRequest.Method, _ routes: inout Routes.Group) {
        routes.on(method, "/_bench/floor") { request, _ in
            var request = request
            if method == .post { _ = try await request.jsonBody(limit: configuration.maximumBodySize) }
            let size = try request.integerQuery("bytes", in: 2...(1 << 20)) ?? 2
            var body = [UInt8](repeating: UInt8(ascii: " "), count: size)
            body[0] = UInt8(ascii: "{")
            body[size - 1] = UInt8(ascii: "}")
            return Response(
                status: method == .post ? .created : .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
