import Evident

extension SpecCompiler {
    /// `conditional` (`if`, `then`, `else?`).
    mutating func compileConditional(_ json: JSON, at path: SpecPath, scope: VariableScope) -> OpRunner? {
        guard let arguments = arguments(json, of: .conditional, at: path) else { return nil }
        let condition = arguments["if"].map { compilePredicate($0, at: path.key("if"), scope: scope) }
        let then = arguments["then"].map { compileOps($0, at: path.key("then"), scope: scope) }
        let otherwise = arguments["else"].map { compileOps($0, at: path.key("else"), scope: scope) } ?? []
        guard let condition, let then else { return nil }
        return { state, context throws(EvaluationSignal) in
            if try condition(state, &context) {
                try then.run(on: &state, context: &context)
            } else {
                try otherwise.run(on: &state, context: &context)
            }
        }
    }

    /// `let` (`bind`, `in`).
    mutating func compileLet(_ json: JSON, at path: SpecPath, scope: VariableScope) -> OpRunner? {
        guard let arguments = arguments(json, of: .let, at: path) else { return nil }
        guard case .object(let binds)? = arguments["bind"] else {
            if arguments["bind"] != nil {
                report(
                    path.key("bind"),
                    "'bind' must be an object of variable names to values, such as {\"$total\": \"$.data.total\"}")
            }
            return nil
        }
        // Every value is evaluated in the outer scope: JSON objects have no order, so one binding cannot see another.
        var bindings: [(slot: Int, value: CompiledValue)] = []
        var inner = scope
        for key in binds.keys.sorted() {
            let value = compileValue(binds[key]!, at: path.key("bind").key(key), scope: scope)
            guard let name = variableName(.string(key), at: path.key("bind").key(key)) else { continue }
            let bound = bind(name, in: inner)
            inner = bound.scope
            bindings.append((bound.slot, value))
        }
        guard let body = arguments["in"].map({ compileOps($0, at: path.key("in"), scope: inner) }) else { return nil }
        let compiledBindings = bindings
        return { state, context throws(EvaluationSignal) in
            var values: [JSON] = []
            values.reserveCapacity(compiledBindings.count)
            for binding in compiledBindings { values.append(try binding.value.evaluate(state, &context)) }
            for (binding, value) in zip(compiledBindings, values) { context.variables[binding.slot] = value }
            defer { for binding in compiledBindings { context.variables[binding.slot] = .null } }
            try body.run(on: &state, context: &context)
        }
    }
}
