import Evident
import EvidentEngine
import EvidentSpec
import Hummingbird

extension EvidentServer {
    /// `GET /_spec`.
    func addSpecReads(_ routes: inout Routes.Group) {
        routes.on(.get, "/_spec") { request, _ in
            // The spec comes from the primary store; a token may follow a spec stored through another node, so
            // look for one now rather than at the next refresh.
            let token = try await awaitConsistency(request)
            let current = try await engine.currentSpec(refresh: token != nil)
            return Response.ok([
                "version": .int(current.version), "hash": .string(current.spec.contentHash),
                "spec": current.spec.document,
            ])
        }
    }

    /// `PUT /_spec`.
    func addSpecAdministration(_ routes: inout Routes.Group) {
        routes.on(.put, "/_spec") { request, _ in
            var request = request
            let document = try await request.jsonBody(limit: configuration.maximumBodySize)
            let put = try await engine.putSpec(document, dryRun: request.uri.queryParameters.get("dry_run") == "true")
            guard let position = put.position else { return Response.ok(put.json.object ?? [:]) }
            return Response.written(put.json.object ?? [:], position: position, status: .ok)
        }
    }
}
