import Evident
import EvidentEngine

extension StoreOptions {
    /// The engine over the database, for the commands that run its spec.
    func openEngine(creating: Bool) throws -> SpecEngine {
        SpecEngine(store: try open(creating: creating))
    }

    /// The spec in force in the database; fails, saying how to store one, when it holds none.
    func currentSpec(of engine: SpecEngine) async throws -> SpecVersion {
        guard let current = try await engine.specInForce() else {
            throw EngineError(
                .noSpec, "\(db) holds no spec; store one with `evident spec put FILE --db \(db)`.")
        }
        return current
    }
}

extension SpecEngine {
    /// The spec in force, or nil when the database holds none.
    func specInForce() async throws -> SpecVersion? {
        do {
            return try await currentSpec()
        } catch let error as EngineError where error.code == .noSpec {
            return nil
        }
    }
}
