import HTTPTypes
import Evident
import EvidentSpec
import Hummingbird

extension EvidentServer {
    func addAdministrationRoutes(to routes: inout Routes) {
        routes.on(.get, "/_health", .open) { _, _ in
            do {
                return Response.ok(["head_position": .int(Int(try await store.headPosition()))])
            } catch {
                throw APIError(.serviceUnavailable, "The store does not answer.")
            }
        }

        routes.on(.get, "/_metrics", .scope(.read)) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }

        routes.on(.get, "/_openapi.json", .open) { _, _ in
            Response.json(OpenAPIDocument.json)
        }

        routes.on(.get, "/_spec", .scope(.read)) { _, _ in
            let current = try await specs.current()
            return Response.ok([
                "version": .int(current.version), "hash": .string(current.spec.contentHash),
                "spec": current.spec.document,
            ])
        }

        routes.on(.put, "/_spec", .scope(.admin)) { request, _ in
            var request = request
            let document = try await request.jsonBody(limit: configuration.maximumBodySize)
            let spec: CompiledSpec
            do {
                spec = try CompiledSpec(document, limits: configuration.specLimits)
            } catch let error as SpecValidationError {
                throw APIError(
                    .unprocessableContent, "The spec has \(error.problems.count) problem(s).",
                    details: [
                        "problems": .array(
                            error.problems.map { ["path": .string($0.path), "message": .string($0.message)] })
                    ])
            }
            // Patterns known to backtrack badly: the time budget bounds them, but the author should know.
            let warnings: [String: JSON] =
                spec.warnings.isEmpty
                ? [:]
                : [
                    "warnings": .array(
                        spec.warnings.map { ["path": .string($0.path), "message": .string($0.message)] })
                ]
            if request.uri.queryParameters.get("dry_run") == "true" {
                return Response.ok(try await dryRun(spec).merging(warnings) { $1 })
            }
            let stored = try await specs.store(spec)
            return Response.ok(
                ["version": .int(stored.version), "hash": .string(stored.spec.contentHash)].merging(warnings) { $1 })
        }

        routes.on(.get, "/_keys", .scope(.admin)) { _, _ in
            let keys = try await keys.list()
            return Response.ok([
                "keys": .array(keys.map { ["id": .string($0.id), "scope": .string($0.scope.rawValue)] })
            ])
        }

        routes.on(.post, "/_keys", .scope(.admin)) { request, _ in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard let scope = body["scope"]?.string.flatMap(APIKeyScope.init(rawValue:)) else {
                throw APIError(.unprocessableContent, "scope must be one of: read, write, admin.")
            }
            let (id, key) = try await keys.create(scope: scope)
            return Response.ok(
                ["id": .string(id), "key": .string(key), "scope": .string(scope.rawValue)], status: .created)
        }

        routes.on(.delete, "/_keys/:id", .scope(.admin)) { _, context in
            let id = try context.parameter("id")
            switch try await keys.revoke(id: id) {
            case .revoked:
                return Response.ok(["id": .string(id), "revoked": true])
            case .unknown:
                throw APIError(.notFound, "No API key with id '\(id)'.")
            case .lastAdminKey:
                throw APIError(
                    .conflict,
                    "Key '\(id)' is the last admin key; create another admin key first, or revoke it on the server "
                        + "with `evident keys revoke --force \(id)`.")
            }
        }
    }

    /// Folds the stored events of every aggregate (up to ``ServerConfiguration/dryRunStreamLimit`` streams)
    /// under `spec` and reports those it cannot fold, without switching to it.
    func dryRun(_ spec: CompiledSpec) async throws -> [String: JSON] {
        var folds: [StreamName: FoldResult] = [:]
        var failures: [JSON] = []
        var removedTypes: Set<String> = []
        var sampled = false
        var events = 0
        var cursor: Int64 = 0
        while true {
            let page = try await store.readLog(
                after: cursor, filter: LogFilter(excludesSystemStreams: true), limit: 1_000)
            guard let last = page.last else { break }
            try SpecLimits.checkDeadline()
            cursor = last.position
            for event in page {
                guard let type = spec.aggregateType(event.stream.category) else {
                    if removedTypes.insert(event.stream.category).inserted {
                        failures.append([
                            "key": .string(event.stream.description), "version": .int(event.version),
                            "error": .string("the new spec has no aggregate type '\(event.stream.category)'"),
                        ])
                    }
                    continue
                }
                guard folds[event.stream] != nil || folds.count < configuration.dryRunStreamLimit else {
                    sampled = true
                    continue
                }
                events += 1
                let before = folds[event.stream] ?? FoldResult(state: CompiledAggregateType.initialState)
                let after = type.fold([event], onto: before)
                for error in after.errors.dropFirst(before.errors.count) {
                    failures.append([
                        "key": .string(event.stream.description), "version": .int(error.version),
                        "error": .string(error.error.description),
                    ])
                }
                folds[event.stream] = after
            }
        }
        return [
            "dry_run": true, "hash": .string(spec.contentHash), "streams_checked": .int(folds.count),
            "events_checked": .int(events), "sampled": .bool(sampled), "failures": .array(failures),
        ]
    }
}
