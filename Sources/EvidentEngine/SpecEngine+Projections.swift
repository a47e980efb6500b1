public import Evident
import EvidentSpec

/// A projection as `GET /_projections` lists it.
public struct ProjectionSummary: Sendable {
    public var name: String
    /// Whether the spec in force declares it (`spec`) or it was deployed on its own (`deployed`).
    public var origin: String
    public var definition: JSON

    public var json: JSON { ["name": .string(name), "origin": .string(origin), "definition": definition] }
}

extension SpecEngine {
    /// The row `id` of projection `name`, as of log position `position` (the read store's head when nil, so a
    /// read after a write sees it). Fails with ``EngineError/Code/projectionNotFound`` when there is no such
    /// projection or row.
    public func projectionRow(_ name: String, _ id: String, visibleAt position: Int64? = nil) async throws
        -> ProjectionRow
    {
        let (view, spec) = try await projectionView(name)
        let normalized = (try? spec.normalizedIdentifier(id)) ?? id
        guard let row = try await view.row(normalized, visibleAt: try await target(position), engine: self) else {
            throw EngineError(
                .projectionNotFound, "Projection '\(name)' has no row '\(id)'.", details: ["projection": .string(name)])
        }
        return row
    }

    /// Up to `limit` rows of projection `name` after `after`, in id order, that pass every filter, as of log
    /// position `position` (the read store's head when nil); `more` tells whether rows are left.
    public func projectionRows(
        _ name: String, after: String?, limit: Int, filters: [ProjectionFilter] = [], visibleAt position: Int64? = nil
    ) async throws -> (rows: [ProjectionRow], more: Bool) {
        let (view, _) = try await projectionView(name)
        return try await view.page(
            after: after, limit: limit, filters: filters, visibleAt: try await target(position), engine: self)
    }

    /// Every projection: those the spec in force declares, then those deployed, by name.
    public func projections() async throws -> [ProjectionSummary] {
        let spec = try await currentSpec().spec
        let (deployed, _) = try await projectionViews.deployed.refresh(force: true)
        let declared = spec.projections.keys.sorted().map {
            ProjectionSummary(name: $0, origin: "spec", definition: spec.projections[$0]!.definition)
        }
        return declared
            + deployed.keys.sorted().filter { spec.projections[$0] == nil }.map {
                ProjectionSummary(name: $0, origin: "deployed", definition: deployed[$0]!)
            }
    }

    /// Checks `definition` against the spec in force and stores it durably as projection `name` for every node;
    /// returns the log position of the deployment. Throws `SpecValidationError` with every problem, and
    /// ``EngineError/Code/projectionDeclaredBySpec`` when the spec declares a projection of that name.
    @discardableResult
    public func deployProjection(_ name: String, _ definition: JSON) async throws -> Int64 {
        let spec = try await currentSpec(refresh: true).spec
        try refuseSpecProjection(name, in: spec, doing: "replace")
        _ = try spec.compileProjection(named: name, definition)
        let result = try await store.append(
            [NewEvent(type: ProjectionViews.deployedType, data: ["name": .string(name), "definition": definition])],
            to: ProjectionViews.stream)
        try await projectionViews.deployed.refresh(force: true)
        return result.lastPosition
    }

    /// Removes deployed projection `name` on every node; fails with ``EngineError/Code/projectionNotFound`` when
    /// none is deployed, and ``EngineError/Code/projectionDeclaredBySpec`` for one of the spec's.
    @discardableResult
    public func deleteProjection(_ name: String) async throws -> Int64 {
        let spec = try await currentSpec(refresh: true).spec
        try refuseSpecProjection(name, in: spec, doing: "delete")
        guard try await projectionViews.deployed.refresh(force: true).value[name] != nil else {
            throw EngineError(.projectionNotFound, "No projection '\(name)' is deployed.")
        }
        let result = try await store.append(
            [NewEvent(type: ProjectionViews.deletedType, data: ["name": .string(name)])], to: ProjectionViews.stream)
        try await projectionViews.deployed.refresh(force: true)
        return result.lastPosition
    }

    private func refuseSpecProjection(_ name: String, in spec: CompiledSpec, doing action: String) throws {
        guard spec.projections[name] == nil else {
            throw EngineError(
                .projectionDeclaredBySpec,
                "The spec in force declares projection '\(name)': \(action) it by changing the spec.")
        }
    }

    /// The view of projection `name` and the spec it runs under.
    private func projectionView(_ name: String) async throws -> (ProjectionView, CompiledSpec) {
        let spec = try await currentSpec()
        guard let view = try await projectionViews.view(name, spec: spec) else {
            throw EngineError(
                .projectionNotFound, "There is no projection '\(name)'; GET /_projections lists them.",
                details: ["projection": .string(name)])
        }
        return (view, spec.spec)
    }

    /// The position a read must see: the one asked for, or the read store's head.
    private func target(_ position: Int64?) async throws -> Int64 {
        if let position { return position }
        return try await readStore.headPosition()
    }

    /// The stream and current state of an aggregate a row reads; nil state when it has no events (or the id or
    /// type is not one of the spec's), nil stream when the id is malformed.
    func projectionSourceState(_ source: ProjectionSource) async throws -> (StreamName?, JSON?) {
        let spec = try await currentSpec().spec
        guard spec.aggregateType(source.type) != nil, let id = try? spec.normalizedIdentifier(source.id),
            let stream = try? StreamName(category: source.type, id: id)
        else { return (nil, nil) }
        do {
            return (stream, try await state(of: source.type, id).data)
        } catch let error as EngineError where error.code == .aggregateNotFound {
            return (stream, nil)
        }
    }
}
