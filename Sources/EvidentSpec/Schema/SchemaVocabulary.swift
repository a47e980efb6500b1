import Evident

/// The 2020-12 vocabularies a schema resource uses, from its meta-schema's `$vocabulary`.
struct SchemaVocabulary: Hashable, Sendable {
    var applicator = true
    var unevaluated = true
    var validation = true
    var formatAssertion = false

    /// Every standard vocabulary, with `format` as an annotation: what the 2020-12 meta-schema declares.
    static let standard = SchemaVocabulary()

    static let prefix = "https://json-schema.org/draft/2020-12/vocab/"

    /// The vocabularies this validator knows; a meta-schema requiring any other cannot be honoured.
    static let known: Set<String> = [
        "core", "applicator", "unevaluated", "validation", "meta-data", "format-annotation", "format-assertion",
        "content",
    ]

    /// The vocabularies declared by a meta-schema's `$vocabulary`; `unsupported` lists required
    /// vocabularies this validator does not know.
    init(declarations: [String: JSON], unsupported: inout [String]) {
        let names = Set(
            declarations.keys.compactMap {
                $0.hasPrefix(SchemaVocabulary.prefix) ? String($0.dropFirst(SchemaVocabulary.prefix.count)) : nil
            })
        applicator = names.contains("applicator")
        unevaluated = names.contains("unevaluated")
        validation = names.contains("validation")
        formatAssertion = names.contains("format-assertion")
        for (uri, required) in declarations.sorted(by: { $0.key < $1.key }) where required == .bool(true) {
            let known =
                uri.hasPrefix(SchemaVocabulary.prefix)
                && SchemaVocabulary.known.contains(String(uri.dropFirst(SchemaVocabulary.prefix.count)))
            if !known { unsupported.append(uri) }
        }
    }

    init() {}
}
