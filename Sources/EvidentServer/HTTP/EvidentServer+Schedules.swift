import Evident
import EvidentEngine
import Hummingbird

extension EvidentServer {
    /// `GET /_schedules?aggregate=TYPE:ID`: the pending scheduled implications whose event goes to that aggregate.
    func addScheduleRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_schedules") { request, _ in
            let query = request.uri.queryParameters
            guard let aggregate = query.get("aggregate") else {
                throw APIError(
                    .badRequest, "Name the aggregate whose schedules to list: ?aggregate=TYPE:ID, such as cart:c1.")
            }
            let limit = try request.integerQuery("limit", in: 1...configuration.maximumPageSize) ?? 100
            let target = try await engine.targetReference(aggregate)
            let page = try await engine.pendingSchedules(
                of: target.type, target.id, after: query.get("after"), limit: limit)
            var answer: [String: JSON] = ["schedules": .array(page.schedules.map(\.json))]
            // There may be more only when the page was full.
            if let next = page.next { answer["next"] = .string(next) }
            return Response.ok(answer)
        }
    }
}
