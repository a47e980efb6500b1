public import Testing

/// One property of a contract suite (``StoreContract``, ``SnapshotContract``), checked on stores that
/// `Factory` makes; pass the cases to `@Test(arguments:)`.
public struct ContractCase<Factory: Sendable>: Sendable, CustomTestStringConvertible {
    public let name: String
    let body: @Sendable (Factory) async throws -> Void

    init(name: String, body: @escaping @Sendable (Factory) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var testDescription: String { name }

    /// Checks the property on stores made by `factory`.
    public func run(_ factory: Factory) async throws {
        try await body(factory)
    }
}
