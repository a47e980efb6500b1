import Evident
import EvidentEngine
import EvidentSpec
import Hummingbird

extension EvidentServer {
    /// `GET /_streams`: how many streams and events each aggregate type has (every type of the spec in force,
    /// and any other found in the log), and the ids of its streams created last, for the console's overview and
    /// search. `?type=T&search=TEXT` lists the ids of type T created last that contain TEXT, newest first
    /// (`?limit=`, 1 to 100, default 20). The counts come from a ``StreamCatalog`` that follows the log: on a
    /// large store the first calls answer `"complete": false` and the counts so far.
    func addStreamRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_streams") { request, _ in
            let limit = try request.integerQuery("limit", in: 1...100) ?? 20
            let type = request.uri.queryParameters.get("type")
            let search = request.uri.queryParameters.get("search") ?? ""
            try await awaitConsistency(request, tokenInQuery: true)
            // Only streams are counted: read the events as stored, without opening personal values.
            let events = (engine.readStore as? PrivacyEventStore)?.base ?? engine.readStore
            let snapshot = try await streamCatalog.refresh(from: events, budget: Self.catalogBudget)
            var counts = snapshot.types
            if let spec = try? await engine.currentSpec(), let declared = spec.spec.document["aggregate_types"]?.object
            {
                for name in declared.keys where counts[name] == nil { counts[name] = StreamCatalog.TypeCount() }
            }
            var body: [String: JSON] = [
                "types": .array(
                    counts.keys.sorted().map { name in
                        let entry = counts[name]!
                        return [
                            "type": .string(name), "streams": .int(entry.streams), "events": .int(entry.events),
                        ]
                    }),
                "position": .int(Int(snapshot.position)), "head": .int(Int(snapshot.head)),
                "complete": .bool(snapshot.position >= snapshot.head),
            ]
            if let type {
                body["type"] = .string(type)
                body["ids"] = .array(snapshot.recent(of: type, matching: search, limit: limit).map { .string($0) })
            }
            return Response.ok(body)
        }
    }

    /// The most events one `GET /_streams` reads to bring the catalog up to date.
    static let catalogBudget = 100_000
}
