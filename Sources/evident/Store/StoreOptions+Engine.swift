import Evident
import EvidentEngine

extension StoreOptions {
    /// Opens the store, lends an engine over it to `body` (for the commands that run its spec), and closes it.
    func withEngine<T>(creating: Bool, _ body: (SpecEngine) async throws -> T) async throws -> T {
        try await withStore(creating: creating) { try await body(SpecEngine(store: $0)) }
    }

    /// The spec in force in the store; fails, saying how to store one, when it holds none.
    func currentSpec(of engine: SpecEngine) async throws -> SpecVersion {
        guard let current = try await engine.specInForce() else {
            let store = try location.resolve()
            throw EngineError(
                .noSpec, "\(store) holds no spec; store one with `evident spec put FILE \(store.commandLineOption)`.")
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
