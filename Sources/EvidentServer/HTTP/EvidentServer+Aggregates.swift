import Evident
import EvidentEngine
import EvidentSpec
import Foundation
import HTTPTypes
import Hummingbird

extension EvidentServer {
    /// `GET /{type}` (the listing), `GET /{type}/{id}` and its length and events, each after its consistency token
    /// is visible.
    func addAggregateReads(_ routes: inout Routes.Group) {
        // `?after=` is the listing's cursor (an id), so only the header `Evident-After` is a consistency token here.
        routes.on(.get, "/:type") { request, context in
            let query = request.uri.queryParameters
            let limit = try request.integerQuery("limit", in: 1...configuration.maximumPageSize) ?? 100
            let after = query.get("after")
            let target = try await targetQuery(request)
            try await awaitConsistency(request, tokenInQuery: false)
            let summaries = try await engine.aggregates(
                of: try context.parameter("type"), after: after, limit: limit, target: target)
            var answer: [String: JSON] = [
                "aggregates": .array(
                    summaries.map {
                        [
                            "id": .string($0.stream.id), "length": .int($0.length),
                            "position": .int(Int($0.lastPosition)), "updated_at": .int($0.updatedAt.unixSeconds),
                        ]
                    })
            ]
            // There may be more only when the page is full.
            if summaries.count == limit, let last = summaries.last { answer["next"] = .string(last.stream.id) }
            return Response.ok(answer)
        }

        routes.on(.get, "/:type/:id") { request, context in
            let query = request.uri.queryParameters
            if query.get("at") != nil, query.get("version") != nil {
                throw APIError(.badRequest, "Use either ?at= or ?version=, not both.")
            }
            let point: StatePoint =
                if let at = try request.integerQuery("at") {
                    // `at` is in whole seconds: every event recorded during that second counts.
                    .time(Date(endOfUnixSecond: at))
                } else if let version = try request.integerQuery("version") {
                    .version(version)
                } else {
                    .latest
                }
            try await awaitConsistency(request)
            let state = try await engine.state(
                of: try context.parameter("type"), try context.parameter("id"), at: point,
                cached: query.get("synchronous") != "true")
            // The envelope around the state's bytes, which a cached state keeps: keys in sorted order, as
            // `Response.ok` writes them.
            var body = Array(#"{"data":"#.utf8)
            body += state.serializedData
            body += Array(#","metadata":"#.utf8)
            body += state.metadata.serialized()
            body += Array(#","ok":true}"#.utf8)
            body.append(0x0A)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }

        routes.on(.get, "/:type/:id/length") { request, context in
            try await awaitConsistency(request)
            let length = try await engine.length(of: try context.parameter("type"), try context.parameter("id"))
            return Response.ok(["length": .int(length)])
        }

        routes.on(.get, "/:type/:id/events") { request, context in
            let from = try request.integerQuery("from", in: 1...Int.max) ?? 1
            let limit = try request.integerQuery("limit", in: 1...configuration.maximumPageSize) ?? 100
            try await awaitConsistency(request)
            let events = try await engine.events(
                of: try context.parameter("type"), try context.parameter("id"), from: from, limit: limit)
            return Response.ok([
                "events": .array(events.map(\.apiJSON)),
                "next": events.count == limit ? .int((events.last?.version ?? from) + 1) : .null,
            ])
        }
    }

    /// `?target=TYPE:ID`, its id normalized as writes normalize `metadata.target`'s; nil when absent.
    func targetQuery(_ request: Request) async throws -> EntityReference? {
        guard let text = request.uri.queryParameters.get("target") else { return nil }
        return try await engine.targetReference(text)
    }

    /// `POST /{type}/{id}/{event}` (one event) and `POST /{type}/{id}` (a batch).
    func addWriteRoutes(_ routes: inout Routes.Group) {
        routes.on(.post, "/:type/:id/:event") { request, context in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard case .object(let fields) = body else {
                throw APIError(.badRequest, "The body must be a JSON object.")
            }
            let data = fields["data"] ?? [:]
            guard case .object = data else { throw APIError(.unprocessableContent, "data must be a JSON object.") }
            let outcome = try await write(
                request, context: context, events: [.init(type: try context.parameter("event"), data: data)],
                metadata: fields["metadata"])
            var answer: [String: JSON] = [
                "key": .string(outcome.stream.description), "version": .int(outcome.result.streamLength),
                "length": .int(outcome.result.streamLength), "implied_count": .int(outcome.impliedCount),
            ]
            if outcome.result.isReplay { answer["replayed"] = true }
            return Response.written(answer, position: outcome.result.lastPosition)
        }

        routes.on(.post, "/:type/:id") { request, context in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard let list = body["events"]?.array, !list.isEmpty, list.count <= configuration.maximumPageSize else {
                throw APIError(
                    .badRequest,
                    "The body must be {\"events\": [{\"type\", \"data\"}, …], \"metadata\": {…}} with 1 to "
                        + "\(configuration.maximumPageSize) events.")
            }
            let events = try list.enumerated().map { offset, item -> WriteRequest.Event in
                guard let type = item["type"]?.string else {
                    throw APIError(.badRequest, "events[\(offset)].type must be the event type, as a string.")
                }
                let data = item["data"] ?? [:]
                guard case .object = data else {
                    throw APIError(.unprocessableContent, "events[\(offset)].data must be a JSON object.")
                }
                return .init(type: type, data: data)
            }
            let outcome = try await write(request, context: context, events: events, metadata: body["metadata"])
            var answer: [String: JSON] = [
                "key": .string(outcome.stream.description), "count": .int(outcome.result.count),
                "version": .int(outcome.result.streamLength), "length": .int(outcome.result.streamLength),
                "positions": .array((outcome.result.positions.map(Array.init) ?? []).map { .int(Int($0)) }),
                "implied_count": .int(outcome.impliedCount),
            ]
            if outcome.result.isReplay { answer["replayed"] = true }
            return Response.written(answer, position: outcome.result.lastPosition)
        }
    }

    private func write(
        _ request: Request, context: EvidentRequestContext, events: [WriteRequest.Event], metadata: JSON?
    ) async throws -> WriteOutcome {
        let key = request.headers[.init("Idempotency-Key")!]
        let (parsedMetadata, concurrency) = try WriteRequest.parseMetadata(metadata)
        return try await engine.write(
            WriteRequest(
                aggregateType: try context.parameter("type"), aggregateID: try context.parameter("id"),
                events: events, metadata: parsedMetadata, concurrency: concurrency, idempotencyKey: key))
    }
}

extension RequestContext {
    /// A path parameter, which the route guarantees.
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError(.badRequest, "Missing path parameter '\(name)'.") }
        return value
    }
}
