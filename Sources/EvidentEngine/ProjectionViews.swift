import Evident
import EvidentSpec
import Synchronization

/// The projections of an engine: the deployed definitions (system stream `$projections:all`, folded from every
/// node's deployments) and the in-memory view of each projection read so far.
final class ProjectionViews: Sendable {
    static let stream = try! StreamName("$projections:all")
    static let deployedType = "projection_was_deployed"
    static let deletedType = "projection_was_deleted"

    /// The deployed definitions by name.
    let deployed: SystemStreamFollower<[String: JSON]>
    /// Per name, the view and what it was made from: the spec's hash and the deployments' version.
    private let views = Mutex<[String: (view: ProjectionView, specHash: String, deployedVersion: Int)]>([:])

    init(store: any EventStore, interval: Duration) {
        deployed = SystemStreamFollower(store: store, stream: Self.stream, interval: interval, initial: [:]) {
            definitions, event in
            guard let name = event.data["name"]?.string else { return }
            switch event.type {
            case ProjectionViews.deployedType: definitions[name] = event.data["definition"]
            case ProjectionViews.deletedType: definitions[name] = nil
            default: break
            }
        }
    }

    /// The view of `name` under `spec`: the one kept when neither the spec nor the deployments changed since it
    /// was made, else a new one (built on first use). Nil when no projection has that name.
    func view(_ name: String, spec: SpecVersion) async throws -> ProjectionView? {
        var (definitions, version) = try await deployed.refresh()
        if spec.spec.projections[name] == nil && definitions[name] == nil {
            // Deployed on another node since the last refresh, perhaps.
            (definitions, version) = try await deployed.refresh(force: true)
        }
        let hash = spec.spec.contentHash
        if let kept = views.withLock({ $0[name] }), kept.specHash == hash, kept.deployedVersion == version {
            return kept.view
        }
        let projection: CompiledProjection
        if let declared = spec.spec.projections[name] {
            projection = declared
        } else if let definition = definitions[name] {
            // A deployed projection that the spec in force no longer allows says why.
            projection = try spec.spec.compileProjection(named: name, definition)
        } else {
            views.withLock { _ = $0.removeValue(forKey: name) }
            return nil
        }
        return views.withLock { views in
            // Keep a view of the same definition made meanwhile, or before a change that did not touch it.
            if let kept = views[name], kept.specHash == hash,
                kept.view.projection.contentHash == projection.contentHash
            {
                views[name] = (kept.view, hash, version)
                return kept.view
            }
            let view = ProjectionView(projection: projection, specHash: hash)
            views[name] = (view, hash, version)
            return view
        }
    }
}
