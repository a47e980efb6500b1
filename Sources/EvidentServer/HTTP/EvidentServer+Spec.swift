import Evident
import EvidentEngine
import EvidentSpec
import Hummingbird

extension EvidentServer {
    /// `GET /_spec`, `GET /_spec/versions`, `GET /_spec/versions/{version}`.
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

        // The versions are read from the primary store's `$spec:current` stream, so they are always up to date.
        routes.on(.get, "/_spec/versions") { request, _ in
            let limit = try request.integerQuery("limit", in: 1...Self.maximumVersionsPage) ?? Self.versionsPage
            let before = try request.integerQuery("before", in: 1...Int.max)
            let versions = try await engine.specVersions(before: before, limit: limit)
            var answer: [String: JSON] = ["versions": .array(versions.map(\.summary))]
            // The cursor of the next (older) page, while there is one.
            if versions.count == limit, let oldest = versions.last, oldest.version > 1 {
                answer["next"] = .int(oldest.version)
            }
            return Response.ok(answer)
        }

        routes.on(.get, "/_spec/versions/:version") { _, context in
            let text = try context.parameter("version")
            guard let number = Int(text), number >= 1 else {
                throw APIError(
                    .badRequest,
                    "The spec version must be a positive integer (1 for the first spec stored), not '\(text)'.")
            }
            let stored = try await engine.specVersion(number)
            var answer = stored.summary.object ?? [:]
            answer["spec"] = stored.document
            return Response.ok(answer)
        }
    }

    /// `PUT /_spec`, `POST /_spec/rollback`.
    func addSpecAdministration(_ routes: inout Routes.Group) {
        routes.on(.put, "/_spec") { request, _ in
            var request = request
            let upload = try SpecUpload(try await request.jsonBody(limit: configuration.maximumBodySize))
            let put = try await engine.putSpec(
                upload.document, dryRun: try request.flag("dry_run"), force: try request.flag("force") || upload.force)
            var answer = put.json.object ?? [:]
            if let environment = upload.environment { answer["environment"] = .string(environment) }
            return Self.answer(answer, position: put.position)
        }

        routes.on(.post, "/_spec/rollback") { request, _ in
            var request = request
            let body = try await request.jsonBody(limit: configuration.maximumBodySize)
            guard case .object(let fields) = body else {
                throw APIError(.badRequest, "The body must be an object: {\"version\": N}, optionally \"force\": true.")
            }
            if let unknown = fields.keys.sorted().first(where: { $0 != "version" && $0 != "force" }) {
                throw APIError(
                    .unprocessableContent, "Unknown field '\(unknown)'; a rollback takes \"version\" and \"force\".")
            }
            guard case .int(let version)? = fields["version"], version >= 1 else {
                throw APIError(
                    .unprocessableContent,
                    "\"version\" must be a positive integer: the spec version to store again (see GET /_spec/versions)."
                )
            }
            let force = try SpecUpload.flag(fields["force"], name: "force")
            let put = try await engine.rollbackSpec(
                to: version, dryRun: try request.flag("dry_run"), force: try request.flag("force") || force)
            var answer = put.json.object ?? [:]
            answer["rolled_back_to"] = .int(version)
            return Self.answer(answer, position: put.position)
        }
    }

    /// The versions `GET /_spec/versions` lists by default, and at most.
    static var versionsPage: Int { 20 }
    static var maximumVersionsPage: Int { 100 }

    /// A spec write's answer: with the position of the version's event (header too), or a dry run's report.
    private static func answer(_ fields: [String: JSON], position: Int64?) -> Response {
        guard let position else { return Response.ok(fields) }
        return Response.written(fields, position: position, status: .ok)
    }
}

/// The body of `PUT /_spec`: a spec document (bare, or wrapped as `{"spec": …}`), or j17's
/// `{"environment", "spec", "force"}`. A bare spec always has `aggregate_types`, so an object without it that
/// has `spec` is a wrapper, and its `environment` and `force` are options; any other key beside `spec` is left
/// for the spec's validation to report.
struct SpecUpload {
    var document: JSON
    var force = false
    var environment: String?

    init(_ body: JSON) throws {
        guard case .object(var fields) = body, fields["aggregate_types"] == nil, fields["spec"] != nil else {
            document = body
            return
        }
        force = try Self.flag(fields.removeValue(forKey: "force"), name: "force")
        if let environment = fields.removeValue(forKey: "environment") {
            guard case .string(let name) = environment, !name.isEmpty else {
                throw APIError(
                    .unprocessableContent, "\"environment\" must be a non-empty string, such as \"production\".")
            }
            self.environment = name
        }
        // A spec kept in a file wrapped as {"spec": …} and sent as j17's "spec" is the same spec.
        if case .object(let inner)? = fields["spec"], inner.count == 1, inner["spec"] != nil {
            fields["spec"] = inner["spec"]
        }
        document = .object(fields)
    }

    /// A boolean body field; false when absent.
    static func flag(_ value: JSON?, name: String) throws -> Bool {
        switch value {
        case nil: return false
        case .bool(let flag)?: return flag
        default: throw APIError(.unprocessableContent, "\"\(name)\" must be true or false.")
        }
    }
}

extension Request {
    /// A `true`/`false` query parameter; false when absent, 400 for any other value.
    fileprivate func flag(_ name: String) throws -> Bool {
        switch uri.queryParameters.get(name) {
        case nil, "false": return false
        case "true": return true
        case let other?:
            throw APIError(.badRequest, "Query parameter '\(name)' must be true or false, not '\(other)'.")
        }
    }
}
