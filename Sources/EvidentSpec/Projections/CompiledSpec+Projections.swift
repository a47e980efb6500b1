public import Evident

extension CompiledSpec {
    /// Checks and compiles a projection deployed on its own (`PUT /_projections/{name}`) against this spec's
    /// aggregate types and singletons; throws every problem, each with its path inside `definition`.
    public func compileProjection(named name: String, _ definition: JSON) throws(SpecValidationError)
        -> CompiledProjection
    {
        var compiler = SpecCompiler(limits: limits)
        compiler.declaredEvents = aggregateTypes.mapValues { _ in [] }
        let projection = compiler.compileProjection(name, definition, at: .root, rules: rules)
        guard compiler.problems.isEmpty, let projection else {
            throw SpecValidationError(problems: compiler.problems)
        }
        return projection
    }
}
