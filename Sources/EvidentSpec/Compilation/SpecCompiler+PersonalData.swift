import Evident

/// Which values of an event's data are personal (`"x-personal": true` in its schema), what they read as once
/// forgotten (`"x-forgotten"`), and whose they are (`"data_subject"`, of the event or else of its aggregate type;
/// `$.key` by default).
struct PersonalDataRule: Sendable {
    let subject: Reference
    let fields: [PersonalField]

    /// The personal data of `event`; nil when its data holds none of the personal fields.
    func personalData(of event: SpecEvent, path: String) throws(SpecError) -> PersonalData? {
        let present = fields.filter { event.data[path: $0.path] != nil }
        guard !present.isEmpty else { return nil }
        let context = EvaluationContext(event: event, variableCount: 0, maximumSteps: 1)
        guard let subject = subject.lookup(state: .null, context: context)?.string, !subject.isEmpty else {
            throw SpecError(
                code: .invalidData,
                message: "the data subject '\(self.subject.text)' of '\(path)' must be a non-empty string: it names "
                    + "whose personal data the event holds")
        }
        return PersonalData(subject: subject, fields: present)
    }
}

extension SpecCompiler {
    /// The default data subject: the aggregate itself.
    static let defaultDataSubject = "$.key"

    /// The rule of an event whose schema is `schema`; nil when it marks nothing personal. `subject` is the
    /// event's `data_subject`, else its aggregate type's.
    mutating func compilePersonalData(schema: JSON, subject: (text: JSON, path: SpecPath)?, at path: SpecPath)
        -> PersonalDataRule?
    {
        var fields: [PersonalField] = []
        collectPersonalFields(schema, keys: [], at: path.key("schema"), into: &fields)
        let marks = Self.countMarks(schema)
        if marks > fields.count {
            report(
                path.key("schema"),
                "'x-personal' is honoured on properties reached through 'properties' from the schema's root only "
                    + "(not in items, combinators or definitions); mark the whole array or object personal instead")
        }
        guard !fields.isEmpty else { return nil }
        let subjectText = subject?.text ?? .string(Self.defaultDataSubject)
        let subjectPath = subject?.path ?? path
        guard let text = subjectText.string, Self.isReference(text) else {
            report(subjectPath, "'data_subject' must be a reference such as \"$.key\" or \"$.data.customer_id\"")
            return nil
        }
        // The event's own references only: the compiler refuses the state and variables, saying what it offers.
        guard let reference = compileReference(text, at: subjectPath, scope: VariableScope()) else { return nil }
        return PersonalDataRule(subject: reference, fields: fields)
    }

    private mutating func collectPersonalFields(
        _ schema: JSON, keys: [String], at path: SpecPath, into fields: inout [PersonalField]
    ) {
        guard case .object(let members) = schema else { return }
        if let mark = members["x-personal"] {
            guard case .bool(let personal) = mark else {
                report(path.key("x-personal"), "'x-personal' must be true or false")
                return
            }
            if personal, !keys.isEmpty {
                fields.append(PersonalField(path: keys, forgotten: members["x-forgotten"] ?? .null))
                return
            }
            if personal {
                report(path.key("x-personal"), "the event's whole data cannot be personal; mark its properties")
            }
        } else if members["x-forgotten"] != nil {
            report(path.key("x-forgotten"), "'x-forgotten' belongs next to \"x-personal\": true")
        }
        guard case .object(let properties)? = members["properties"] else { return }
        for name in properties.keys.sorted() {
            collectPersonalFields(
                properties[name]!, keys: keys + [name], at: path.key("properties").key(name), into: &fields)
        }
    }

    /// How many schemas anywhere in `schema` say `"x-personal": true`.
    private static func countMarks(_ schema: JSON) -> Int {
        switch schema {
        case .object(let members):
            members.reduce(members["x-personal"] == .bool(true) ? 1 : 0) { count, member in
                count + (member.key == "x-personal" ? 0 : countMarks(member.value))
            }
        case .array(let elements): elements.reduce(0) { $0 + countMarks($1) }
        default: 0
        }
    }
}
