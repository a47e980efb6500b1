public import Evident

/// A compiled JSON Schema (draft 2020-12).
///
/// Compile once, validate many times: compilation checks the schema against the 2020-12 meta-schema,
/// resolves every reference and compiles every regular expression, so `validate` only walks the instance.
///
/// ```swift
/// let schema = try JSONSchema(compiling: ["type": "object", "required": ["total"],
///                                         "properties": ["total": ["type": "number"]]])
/// schema.validate(["total": "12"])   // [data.total: expected number, got string]
/// ```
public struct JSONSchema: Sendable {
    /// How a schema is compiled.
    public struct Options: Sendable {
        /// Whether `format` is asserted (an instance string that is not a valid `date-time`, `email`,
        /// `uuid`… fails) rather than only annotated. Unknown formats are never asserted.
        public var assertFormats: Bool
        /// Documents that references may point to, by absolute URI without fragment.
        public var documents: [String: JSON]
        /// Called, during compilation only, for a referenced document that is neither built in nor in
        /// `documents`; returns nil when the URI is unknown. No network access is ever made.
        public var resolver: (@Sendable (String) -> JSON?)?

        /// Creates options; by default formats are annotations and no remote documents are known.
        public init(
            assertFormats: Bool = false, documents: [String: JSON] = [:],
            resolver: (@Sendable (String) -> JSON?)? = nil
        ) {
            self.assertFormats = assertFormats
            self.documents = documents
            self.resolver = resolver
        }
    }

    private let root: SchemaNode
    private let graph: SchemaGraph
    private let tracksScope: Bool
    /// The regular expressions that may backtrack badly, each with its path and why; they compile all the same.
    let warnings: [SchemaCompilationError.Problem]

    /// Compiles a schema; throws ``SchemaCompilationError`` listing every problem in the schema.
    public init(compiling schema: JSON) throws(SchemaCompilationError) {
        try self.init(compiling: schema, options: Options())
    }

    /// Compiles a schema with options; throws ``SchemaCompilationError`` listing every problem, each with
    /// its path in the schema: malformed keywords, meta-schema violations, unresolvable references and
    /// invalid regular expressions.
    public init(compiling schema: JSON, options: Options) throws(SchemaCompilationError) {
        try self.init(compiling: schema, options: options, checkingMetaSchema: true)
    }

    private init(compiling schema: JSON, options: Options, checkingMetaSchema: Bool) throws(SchemaCompilationError) {
        let compiler = SchemaCompiler(options: options)
        root = compiler.compileRoot(schema)
        graph = compiler.graph
        tracksScope = compiler.usesDynamicReferences
        warnings = compiler.warnings
        var problems = compiler.problems
        if checkingMetaSchema {
            problems += JSONSchema.metaSchemaProblems(of: schema, options: options, excluding: problems)
        }
        guard problems.isEmpty else { throw SchemaCompilationError(problems: problems) }
    }

    /// Validates an instance; an empty array means valid.
    ///
    /// Pattern matching may take ``SpecLimits/patternMatchBudget`` of ``SpecLimits/standard`` in all, and stops
    /// at ``SpecLimits/deadline``: past either, the instance is reported invalid, with one violation saying the
    /// patterns could not be checked in time.
    public func validate(_ instance: JSON) -> [SchemaViolation] {
        do throws(SpecInterruption) {
            return try validate(instance, patternBudget: SpecLimits.standard.patternMatchBudget)
        } catch {
            let location: String
            if case .patternBudgetSpent(_, let path) = error { location = path } else { location = "data" }
            return [SchemaViolation(path: location, keyword: "pattern", message: error.message(limits: .standard))]
        }
    }

    /// Validates an instance, with pattern matching limited to `patternBudget` in all; throws why the
    /// validation stopped before it could decide (the budget, ``SpecLimits/deadline`` or cancellation).
    func validate(_ instance: JSON, patternBudget: Duration) throws(SpecInterruption) -> [SchemaViolation] {
        var context = ValidationContext(tracksScope: tracksScope, patternBudget: patternBudget)
        var ignored = SchemaAnnotations()
        _ = root.evaluate(instance, &context, &ignored, collecting: false)
        if let interruption = context.interruption { throw interruption }
        return context.violations
    }

    /// Whether `instance` is valid; faster than `validate` because it stops at the first failure. False when
    /// its patterns cannot be checked within the standard budget, as in ``validate(_:)``.
    public func isValid(_ instance: JSON) -> Bool {
        var context = ValidationContext(tracksScope: tracksScope, patternBudget: SpecLimits.standard.patternMatchBudget)
        context.reporting = false
        var ignored = SchemaAnnotations()
        return root.evaluate(instance, &context, &ignored, collecting: false) && context.interruption == nil
    }

    // MARK: Meta-schema

    /// The compiled 2020-12 meta-schema.
    private static let metaSchema: JSONSchema = {
        do {
            let text = MetaSchemas.texts[MetaSchemas.draft202012]!
            return try JSONSchema(compiling: try JSON(parsing: text), options: Options(), checkingMetaSchema: false)
        } catch {
            preconditionFailure("the built-in meta-schema does not compile: \(error)")
        }
    }()

    /// The violations of `schema` against its meta-schema, as problems, leaving out those at or below a
    /// path that already has a problem.
    private static func metaSchemaProblems(
        of schema: JSON, options: Options, excluding known: [SchemaCompilationError.Problem]
    ) -> [SchemaCompilationError.Problem] {
        let validator: JSONSchema
        switch schema["$schema"] {
        case nil, .string(MetaSchemas.draft202012), .string(MetaSchemas.draft202012 + "#"):
            validator = metaSchema
        case .string(let uri):
            guard
                let document = options.documents[uri] ?? MetaSchemas.texts[uri].flatMap({ try? JSON(parsing: $0) })
                    ?? options.resolver?(uri),
                let custom = try? JSONSchema(compiling: document, options: options, checkingMetaSchema: false)
            else { return [] }
            validator = custom
        default:
            return []
        }
        let knownPaths = Set(known.map(\.path))
        var problems: [SchemaCompilationError.Problem] = []
        for violation in validator.validate(schema) {
            var path = Substring(violation.path.dropFirst("data".count))
            if path.hasPrefix(".") { path = path.dropFirst() }
            let covered = knownPaths.contains { path == $0 || path.hasPrefix($0 + ".") || path.hasPrefix($0 + "[") }
            if !covered {
                problems.append(SchemaCompilationError.Problem(path: String(path), message: violation.message))
            }
        }
        return problems
    }
}
