import Evident
import EvidentSpec

/// The rows of one projection, held in memory and kept up to date by following the log of the read store.
///
/// Built on first use: every aggregate of `for_each` is listed and its row computed, then the log is followed
/// from the head at that moment. Each event recomputes the row of its own aggregate and, through a reverse map
/// from source streams to rows, every row that read that aggregate (a source, an include, a `$lookup`); a
/// receipt of a forgetting drops the forgotten streams' states and recomputes the rows that read them. Rows
/// are computed from the engine's states, which decrypt personal data and fold with the spec in force.
///
/// One catch-up runs at a time (the others wait their turn), so a row is never written from an older state
/// after a newer one.
actor ProjectionView {
    let projection: CompiledProjection
    /// The spec the rows were computed under: a spec change makes a new view.
    let specHash: String
    /// How many times a row may ask for states it has not read yet (nested `$lookup`s) before it fails.
    static let maximumLookupRounds = 16
    /// How many events one read of the log asks for.
    static let pageSize = 1_000
    /// How many rows are computed at once (a build's page, or the rows a page of the log changed): their states
    /// are read concurrently.
    static let rowsAtOnce = 8

    private var rows = ProjectionRows()
    /// The source streams each row read, and the rows that read each stream.
    private var sourcesOfRow: [String: Set<StreamName>] = [:]
    private var rowsOfSource: [StreamName: Set<String>] = [:]
    /// The log position the rows reflect; nil until the view is built.
    private var applied: Int64?
    /// A build under way: the head it follows the log from, and the last aggregate whose row it computed. A
    /// build stopped by a request's deadline goes on from there at the next read.
    private var building: (head: Int64, after: String?)?
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(projection: CompiledProjection, specHash: String) {
        self.projection = projection
        self.specHash = specHash
    }

    /// The row of `id` once the view has applied the log up to `position`; nil when there is none.
    func row(_ id: String, visibleAt position: Int64, engine: SpecEngine) async throws -> ProjectionRow? {
        try await catchUp(to: position, engine: engine)
        return rows[id]
    }

    /// A page of rows once the view has applied the log up to `position`.
    func page(
        after: String?, limit: Int, filters: [ProjectionFilter], visibleAt position: Int64, engine: SpecEngine
    ) async throws -> (rows: [ProjectionRow], more: Bool) {
        try await catchUp(to: position, engine: engine)
        return rows.page(after: after, limit: limit) { row in filters.allSatisfy { $0.matches(row.data) } }
    }

    /// The number of rows, once built.
    func count(visibleAt position: Int64, engine: SpecEngine) async throws -> Int {
        try await catchUp(to: position, engine: engine)
        return rows.count
    }

    private func catchUp(to position: Int64, engine: SpecEngine) async throws {
        if let applied, applied >= position { return }
        await takeTurn()
        defer { endTurn() }
        if applied == nil { try await build(engine) }
        while let from = applied, from < position {
            let page = try await engine.readStore.readLog(after: from, filter: .all, limit: Self.pageSize)
            guard let last = page.last else { return }
            try await apply(page, engine: engine)
            applied = last.position
        }
    }

    /// Computes every row, from the aggregates listed, and starts following the log at the head before listing.
    /// Between pages it stops when the request's deadline (`SpecLimits.deadline`) has passed: the next read
    /// goes on where it stopped. (Rows computed after the head reflect newer states; following the log from the
    /// head computes them again, to the same result.)
    private func build(_ engine: SpecEngine) async throws {
        if building == nil { building = (try await engine.readStore.headPosition(), nil) }
        let listing = try engine.readStore.streamListing()
        while let (head, after) = building {
            if let deadline = SpecLimits.deadline, ContinuousClock.now >= deadline {
                throw SpecError(
                    code: .deadlineExceeded,
                    message: "building projection '\(projection.name)' takes longer than the request may; it goes on "
                        + "at the next read")
            }
            let page = try await listing.streams(
                inCategory: projection.forEach, after: after, limit: Self.pageSize)
            let ids = page.map(\.stream.id).filter(projection.hasRow(forID:))
            for (id, evaluated) in zip(ids, try await evaluateConcurrently(ids, engine: engine)) {
                record(id, evaluated)
            }
            guard page.count == Self.pageSize, let last = page.last else {
                building = nil
                applied = head
                return
            }
            building = (head, last.stream.id)
        }
    }

    /// Recomputes the rows that the events of `page` may change, each once.
    private func apply(_ page: [RecordedEvent], engine: SpecEngine) async throws {
        var changed: Set<StreamName> = []
        for event in page {
            if ForgettingReceipt.isReceipt(event), let receipt = try? ForgettingReceipt(event: event) {
                engine.states.drop(receipt.streams)
                changed.formUnion(receipt.streams)
            } else if !event.stream.isSystem {
                changed.insert(event.stream)
            }
        }
        var affected: Set<String> = []
        for stream in changed {
            if stream.category == projection.forEach && projection.hasRow(forID: stream.id) {
                affected.insert(stream.id)
            }
            affected.formUnion(rowsOfSource[stream] ?? [])
        }
        let ids = affected.sorted()
        for (id, evaluated) in zip(ids, try await evaluateConcurrently(ids, engine: engine)) { record(id, evaluated) }
    }

    /// A row computed from the states (nil: the aggregate has none), and the streams it read.
    private typealias Evaluated = (row: ProjectionRow?, sources: [StreamName])

    /// The rows of `ids` computed from the current states, in their order, at most ``rowsAtOnce`` at once.
    private nonisolated func evaluateConcurrently(_ ids: [String], engine: SpecEngine) async throws -> [Evaluated] {
        try await withThrowingTaskGroup(of: (Int, Evaluated).self) { group in
            var results = [Evaluated?](repeating: nil, count: ids.count)
            var next = ids.startIndex
            func start() {
                guard next < ids.endIndex else { return }
                let index = next
                group.addTask { (index, try await self.evaluate(ids[index], engine: engine)) }
                next += 1
            }
            for _ in 0..<Self.rowsAtOnce { start() }
            while let (index, evaluated) = try await group.next() {
                results[index] = evaluated
                start()
            }
            return results.map { $0! }
        }
    }

    /// Evaluates the row of `id` from the current states, reading the states it asks for until it has them all.
    private nonisolated func evaluate(_ id: String, engine: SpecEngine) async throws -> Evaluated {
        var states: [ProjectionSource: JSON?] = [:]
        var streams: [ProjectionSource: StreamName] = [:]
        for _ in 0..<Self.maximumLookupRounds {
            switch projection.row(id: id, states: states) {
            case .needs(let sources):
                for source in sources {
                    let (stream, state) = try await engine.projectionSourceState(source)
                    states[source] = .some(state)
                    streams[source] = stream
                }
            case .row(let data, let sources):
                return (data.map { ProjectionRow(id: id, data: $0) }, sources.compactMap { streams[$0] })
            case .failed(let message, let sources):
                return (ProjectionRow(id: id, data: .null, error: message), sources.compactMap { streams[$0] })
            }
        }
        let message = "the row reads states through more than \(Self.maximumLookupRounds) nested lookups"
        return (ProjectionRow(id: id, data: .null, error: message), Array(streams.values))
    }

    /// Stores a row (removes it when nil) and the streams it read.
    private func record(_ id: String, _ evaluated: Evaluated) {
        let (row, sources) = evaluated
        if let row { rows.set(row) } else { rows.remove(id) }
        let new = Set(sources)
        let old = sourcesOfRow[id] ?? []
        for stream in old.subtracting(new) {
            rowsOfSource[stream]?.remove(id)
            if rowsOfSource[stream]?.isEmpty == true { rowsOfSource[stream] = nil }
        }
        for stream in new.subtracting(old) { rowsOfSource[stream, default: []].insert(id) }
        sourcesOfRow[id] = new.isEmpty ? nil : new
    }

    private func takeTurn() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func endTurn() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
