internal import Foundation

/// A regular expression from `pattern` or `patternProperties`, compiled once.
///
/// JSON Schema regexes follow ECMA-262; they run on ICU (`NSRegularExpression`) after translating the
/// constructs whose meaning differs: `\d`, `\w` and their negations are ASCII-only, and `$` matches only
/// at the very end of the string.
/// `@unchecked Sendable`: it only holds an `NSRegularExpression`, which is immutable and documented as safe to
/// use from several threads at once.
struct SchemaRegex: @unchecked Sendable {
    /// The pattern as written in the schema.
    let source: String
    private let regex: NSRegularExpression

    /// Compiles `source`; nil when it is not a valid ECMA-262 regular expression.
    init?(_ source: String) {
        guard SchemaRegex.usesOnlyECMASyntax(source),
            let regex = try? NSRegularExpression(pattern: SchemaRegex.translate(source))
        else { return nil }
        self.source = source
        self.regex = regex
    }

    /// Whether the pattern matches anywhere in `string` (patterns are not implicitly anchored); nil when
    /// `shouldStop` stopped the match first. ICU reports progress, and `shouldStop` is asked, about every 0.3 ms
    /// of a long match and after each position a match is tried from.
    func matches(_ string: String, stoppingWhen shouldStop: () -> Bool) -> Bool? {
        withoutActuallyEscaping(shouldStop) { shouldStop in
            var matched = false
            var stopped = false
            let range = NSRange(location: 0, length: string.utf16.count)
            regex.enumerateMatches(in: string, options: .reportProgress, range: range) { result, _, stop in
                if result != nil {
                    matched = true
                } else if shouldStop() {
                    stopped = true
                } else {
                    return
                }
                stop.pointee = true
            }
            return stopped ? nil : matched
        }
    }

    /// The escapes ECMA-262 (with the `u` flag) allows before a letter.
    private static let letterEscapes = Set("bBdDwWsSnrtfvcxupPk".unicodeScalars)

    /// Rejects ICU-only syntax that ECMA-262 does not have: inline flags and comments (`(?i)`, `(?#…)`),
    /// and letter escapes such as `\a`, `\z` or `\Q`.
    static func usesOnlyECMASyntax(_ pattern: String) -> Bool {
        let scalars = Array(pattern.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "\\", index + 1 < scalars.count {
                let escaped = scalars[index + 1]
                if escaped.isASCIILetter && !letterEscapes.contains(escaped) { return false }
                index += 2
                continue
            }
            if scalars[index] == "(", index + 2 < scalars.count, scalars[index + 1] == "?",
                !":=!<".unicodeScalars.contains(scalars[index + 2])
            {
                return false
            }
            index += 1
        }
        return true
    }

    /// Rewrites ECMA-262 syntax into the equivalent ICU syntax.
    static func translate(_ pattern: String) -> String {
        var output = ""
        var inClass = false
        var scalars = pattern.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case "\\":
                guard let escaped = scalars.next() else {
                    output += "\\"
                    continue
                }
                switch escaped {
                case "d": output += inClass ? "0-9" : "[0-9]"
                case "D": output += inClass ? "\\D" : "[^0-9]"
                case "w": output += inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]"
                case "W": output += inClass ? "\\W" : "[^a-zA-Z0-9_]"
                case "s": output += inClass ? "\\s\\uFEFF" : "[\\s\\uFEFF]"
                case "S": output += inClass ? "\\S" : "[^\\s\\uFEFF]"
                default:
                    output.unicodeScalars.append("\\")
                    output.unicodeScalars.append(escaped)
                }
            case "[" where !inClass:
                var lookahead = scalars
                let first = lookahead.next()
                if first == "]" {
                    scalars = lookahead
                    output += "(?!)"
                } else if first == "^", lookahead.next() == "]" {
                    scalars = lookahead
                    output += "[\\s\\S]"
                } else {
                    inClass = true
                    output += "["
                }
            case "[":
                output += "\\["
            case "]" where inClass:
                inClass = false
                output += "]"
            case "$" where !inClass:
                output += "(?![\\s\\S])"
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
