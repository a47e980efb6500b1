import Evident
import EvidentEngine
import Hummingbird

extension EvidentServer {
    /// The query parameters of `GET /_projections/{name}` besides its `where.` filters.
    private static let projectionListParameters: Set<String> = ["after", "limit", "wait"]

    /// `GET /_projections`, `GET /_projections/{name}` (a page of rows) and `GET /_projections/{name}/{id}`, each
    /// after its consistency token is visible; without one, a read sees every write answered before it.
    func addProjectionReads(_ routes: inout Routes.Group) {
        routes.on(.get, "/_projections") { _, _ in
            Response.ok(["projections": .array(try await engine.projections().map(\.json))])
        }

        // `?after=` is the listing's cursor (an id), so only the header `Evident-After` is a consistency token here.
        routes.on(.get, "/_projections/:name") { request, context in
            let limit = try request.integerQuery("limit", in: 1...configuration.maximumPageSize) ?? 100
            var filters: [ProjectionFilter] = []
            for (name, value) in request.uri.queryParameters {
                let name = String(name)
                if let filter = try ProjectionFilter(parameter: name, value: String(value)) {
                    filters.append(filter)
                } else if !Self.projectionListParameters.contains(name) {
                    throw APIError(
                        .badRequest,
                        "Unknown query parameter '\(name)': a listing takes after, limit, wait and filters "
                            + "where.FIELD=VALUE or where.FIELD.OP=VALUE (OP: eq, ne, gt, gte, lt, lte).")
                }
            }
            let position = try await awaitConsistency(request, tokenInQuery: false)
            let page = try await engine.projectionRows(
                try context.parameter("name"), after: request.uri.queryParameters.get("after"), limit: limit,
                filters: filters, visibleAt: position)
            return Response.ok([
                "rows": .array(page.rows.map(\.json)),
                // There may be more only when rows are left after the page.
                "next": page.more ? .string(page.rows.last!.id) : .null,
            ])
        }

        routes.on(.get, "/_projections/:name/:id") { request, context in
            let position = try await awaitConsistency(request)
            let row = try await engine.projectionRow(
                try context.parameter("name"), try context.parameter("id"), visibleAt: position)
            var answer: [String: JSON] = ["id": .string(row.id), "data": row.data]
            if let error = row.error { answer["error"] = .string(error) }
            return Response.ok(answer)
        }
    }

    /// `PUT /_projections/{name}` (the body is the definition) and `DELETE /_projections/{name}`.
    func addProjectionAdministration(_ routes: inout Routes.Group) {
        routes.on(.put, "/_projections/:name") { request, context in
            var request = request
            let name = try context.parameter("name")
            let definition = try await request.jsonBody(limit: configuration.maximumBodySize)
            let position = try await engine.deployProjection(name, definition)
            return Response.written(["name": .string(name)], position: position, status: .ok)
        }

        routes.on(.delete, "/_projections/:name") { _, context in
            let name = try context.parameter("name")
            let position = try await engine.deleteProjection(name)
            return Response.written(["name": .string(name), "deleted": true], position: position, status: .ok)
        }
    }
}
