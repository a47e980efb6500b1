import HTTPTypes
import Evident
import EvidentSpec
import Foundation
import Hummingbird

extension EvidentServer {
    func addAggregateRoutes(to routes: inout Routes) {
        routes.on(.post, "/:type/:id/:event", .scope(.write)) { request, context in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard case .object(let fields) = body else {
                throw APIError(.badRequest, "The body must be a JSON object.")
            }
            let data = fields["data"] ?? [:]
            guard case .object = data else { throw APIError(.unprocessableContent, "data must be a JSON object.") }
            let outcome = try await write(
                request, context: context, events: [(try context.parameter("event"), data)],
                metadata: fields["metadata"],
                body: body)
            var answer: [String: JSON] = [
                "key": .string(outcome.stream.description), "version": .int(outcome.result.streamLength),
                "position": .int(Int(outcome.result.lastPosition)), "length": .int(outcome.result.streamLength),
                "implied_count": .int(outcome.impliedCount),
            ]
            if outcome.result.isReplay { answer["replayed"] = true }
            return Response.ok(answer, status: .created)
        }

        routes.on(.post, "/:type/:id", .scope(.write)) { request, context in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard let list = body["events"]?.array, !list.isEmpty, list.count <= configuration.maximumPageSize else {
                throw APIError(
                    .badRequest,
                    "The body must be {\"events\": [{\"type\", \"data\"}, …], \"metadata\": {…}} with 1 to "
                        + "\(configuration.maximumPageSize) events.")
            }
            let events = try list.enumerated().map { offset, item -> (type: String, data: JSON) in
                guard let type = item["type"]?.string else {
                    throw APIError(.badRequest, "events[\(offset)].type must be the event type, as a string.")
                }
                let data = item["data"] ?? [:]
                guard case .object = data else {
                    throw APIError(.unprocessableContent, "events[\(offset)].data must be a JSON object.")
                }
                return (type, data)
            }
            let outcome = try await write(
                request, context: context, events: events, metadata: body["metadata"], body: body)
            var answer: [String: JSON] = [
                "key": .string(outcome.stream.description), "count": .int(outcome.result.count),
                "version": .int(outcome.result.streamLength), "length": .int(outcome.result.streamLength),
                "positions": .array((outcome.result.positions.map(Array.init) ?? []).map { .int(Int($0)) }),
                "implied_count": .int(outcome.impliedCount),
            ]
            if outcome.result.isReplay { answer["replayed"] = true }
            return Response.ok(answer, status: .created)
        }

        routes.on(.get, "/:type/:id", .scope(.read)) { request, context in
            let (current, type, stream) = try await resolve(context)
            if request.uri.queryParameters.get("at") != nil, request.uri.queryParameters.get("version") != nil {
                throw APIError(.badRequest, "Use either ?at= or ?version=, not both.")
            }
            let folded: AggregateStates.Folded
            if let at = try request.integerQuery("at") {
                folded = try await states.past(
                    stream, type: type, upTo: .recordedAt(Date(timeIntervalSince1970: Double(at) + 0.999)))
            } else if let version = try request.integerQuery("version") {
                folded = try await states.past(stream, type: type, upTo: .version(version))
            } else {
                let synchronous = request.uri.queryParameters.get("synchronous") == "true"
                folded = try await states.current(
                    stream, type: type, specHash: current.spec.contentHash, cached: !synchronous)
            }
            let result = folded.result
            guard result.version > 0 || current.spec.singletons.contains(stream.id) else {
                throw APIError(.notFound, "\(stream) has no events.", details: ["length": 0])
            }
            var metadata: [String: JSON] = ["length": .int(result.version)]
            metadata["created_at"] = folded.createdAt.map { .int(Int($0.timeIntervalSince1970)) }
            metadata["updated_at"] = folded.updatedAt.map { .int(Int($0.timeIntervalSince1970)) }
            if !result.errors.isEmpty {
                metadata["errors"] = .array(
                    result.errors.map { ["version": .int($0.version), "error": .string($0.error.description)] })
            }
            return Response.ok(["data": result.state, "metadata": .object(metadata)])
        }

        routes.on(.get, "/:type/:id/length", .scope(.read)) { _, context in
            let (_, _, stream) = try await resolve(context)
            return Response.ok(["length": .int(try await store.streamInfo(stream)?.length ?? 0)])
        }

        routes.on(.get, "/:type/:id/events", .scope(.read)) { request, context in
            let (_, _, stream) = try await resolve(context)
            let from = try request.integerQuery("from", in: 1...Int.max) ?? 1
            let limit = try request.integerQuery("limit", in: 1...configuration.maximumPageSize) ?? 100
            let events = try await store.readStream(stream, from: from, direction: .forward, limit: limit)
            return Response.ok([
                "events": .array(events.map(\.apiJSON)),
                "next": events.count == limit ? .int((events.last?.version ?? from) + 1) : .null,
            ])
        }
    }

    /// The spec in force, the aggregate type and the stream a request's `:type` and `:id` name.
    private func resolve(_ context: BasicRequestContext) async throws
        -> (SpecRegistry.Current, CompiledAggregateType, StreamName)
    {
        let current = try await specs.current()
        let typeName = try context.parameter("type")
        guard let type = current.spec.aggregateType(typeName) else {
            throw APIError(
                .notFound,
                "Unknown aggregate type '\(typeName)'. This spec declares: "
                    + current.spec.aggregateTypes.keys.sorted().joined(separator: ", ") + ".")
        }
        let rawID = try context.parameter("id")
        let id: String
        do throws(SpecError) {
            id = try current.spec.normalizedIdentifier(rawID)
        } catch {
            throw APIError(error)
        }
        return (current, type, try StreamName(category: type.name, id: id))
    }

    private func write(
        _ request: Request, context: BasicRequestContext, events: [(type: String, data: JSON)], metadata: JSON?,
        body: JSON
    ) async throws -> WriteOutcome {
        let key = request.headers[.init("Idempotency-Key")!]
        if let key, key.isEmpty || key.utf8.count > 200 {
            throw APIError(.badRequest, "Idempotency-Key must be 1 to 200 characters.")
        }
        let route: JSON = ["method": .string(request.method.rawValue), "path": .string(request.uri.path), "body": body]
        let idempotency = key.map { Idempotency(key: $0, fingerprint: SHA256.hexDigest(route.serialized())) }
        let (parsedMetadata, concurrency) = try WriteRequest.parseMetadata(metadata)
        let request = WriteRequest(
            aggregateType: try context.parameter("type"), aggregateID: try context.parameter("id"), events: events,
            metadata: parsedMetadata, concurrency: concurrency, idempotency: idempotency)
        return try await writer.write(request, spec: try await specs.current())
    }
}

extension BasicRequestContext {
    /// A path parameter, which the route guarantees.
    func parameter(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError(.badRequest, "Missing path parameter '\(name)'.") }
        return value
    }
}
