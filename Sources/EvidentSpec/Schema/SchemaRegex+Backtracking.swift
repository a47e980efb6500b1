extension SchemaRegex {
    /// Why `pattern` (a valid ECMA-262 pattern) may backtrack badly, or nil when it has none of the shapes
    /// known to.
    ///
    /// A conservative heuristic for `evident spec validate`: it names three shapes that make a backtracking
    /// matcher (ICU) take exponential or high polynomial time on some strings that almost match, and stays
    /// quiet otherwise, so it can miss a bad pattern; ``SpecLimits/patternMatchBudget`` holds either way.
    ///
    /// - A repeated group whose body is nothing but repetitions, one of them unbounded: `(a+)+`, `(a*)*`,
    ///   `(.*)*`, `(\w+\s?)*`. A group with something it must match, such as `([a-z]+-)*`, is fine.
    /// - A repeated group with an alternative that is a prefix of another: `(a|aa)+`, `(ab|abc)*`.
    /// - Two or more unbounded wildcards (`.`, `\S`, `\D`, `\W`, `[^]` or `[\s\S]` under `*`, `+` or `{n,}`) in
    ///   one sequence with more pattern after them: `.*a.*a.*`, `a.*a.*a.*!`. A wildcard with only `$` after it
    ///   at the end of the pattern costs nothing and is not counted, so `^.*foo.*$` is fine.
    static func backtrackingRisk(in pattern: String) -> String? {
        var parser = PatternShapeParser(scalars: Array(pattern.unicodeScalars))
        let alternatives = parser.alternatives()
        for sequence in alternatives {
            if let risk = risk(in: sequence, atTopLevel: true) { return risk }
        }
        return nil
    }

    private static func risk(in sequence: [PatternPiece], atTopLevel: Bool) -> String? {
        var wildcards: [String] = []
        for (index, piece) in sequence.enumerated() {
            if piece.isWildcard && piece.isUnbounded
                && !(atTopLevel && sequence[(index + 1)...].allSatisfy(\.isAnchor))
            {
                wildcards.append(piece.text)
            }
            guard case .group(let alternatives) = piece.atom else { continue }
            if piece.isUnbounded {
                if alternatives.contains(where: { $0.allSatisfy(\.isFlexible) && $0.contains(where: \.repeats) }) {
                    return "the repeated group \(piece.text) holds nothing but repetitions (a nested quantifier, like "
                        + "(a+)+), so a long string that almost matches takes exponential time; repeat once (a+ "
                        + "rather than (a+)+), or give the group something it must match, such as ([a-z]+-)*"
                }
                let texts = alternatives.map { $0.map(\.text).joined() }
                let overlapping = texts.indices.contains { i in
                    texts.indices.contains { j in i != j && !texts[i].isEmpty && texts[j].hasPrefix(texts[i]) }
                }
                if overlapping {
                    return "the repeated group \(piece.text) has an alternative that is the start of another (like "
                        + "(a|aa)+), so a long string that almost matches takes exponential time; make the "
                        + "alternatives start differently, or use a character class such as [ab]+"
                }
            }
            for inner in alternatives {
                if let risk = risk(in: inner, atTopLevel: false) { return risk }
            }
        }
        guard wildcards.count >= 2 else { return nil }
        return "\(wildcards.count) unbounded wildcards (\(wildcards.joined(separator: ", "))) with more pattern "
            + "after them (like a.*a.*!), so a long string that does not match takes time growing with a power of "
            + "its length; use a class that leaves out what follows, such as [^a]* rather than .*, or bound the "
            + "repetition, such as .{0,100}; patterns match anywhere, so a leading .* is not needed"
    }
}

/// One atom of a pattern with its quantifier, as far as ``SchemaRegex/backtrackingRisk(in:)`` needs.
private struct PatternPiece {
    enum Atom {
        /// A character, an escape or a class.
        case character
        /// A character that can be anything (or anything but one kind): `.`, `\S`, `[\s\S]`…
        case wildcard
        /// `^`, `$`, `\b`, `\B` or a lookaround: matches no characters.
        case anchor
        /// A group, with its alternatives.
        case group([[PatternPiece]])
    }

    var atom: Atom
    /// The atom and its quantifier as written.
    var text: String
    var minimum = 1
    /// Nil when unbounded.
    var maximum: Int? = 1

    var isUnbounded: Bool { maximum == nil }
    var isAnchor: Bool { if case .anchor = atom { true } else { false } }
    var isWildcard: Bool { if case .wildcard = atom { true } else { false } }

    /// Whether it can match a run of any length: it, or something inside it, is repeated without bound.
    var repeats: Bool {
        if isUnbounded { return true }
        guard case .group(let alternatives) = atom else { return false }
        return alternatives.contains { $0.contains(where: \.repeats) }
    }

    /// Whether it can match more than one way: it is quantified, or it is a group with an alternative made only
    /// of such pieces. (An anchor matches no characters, so it never decides anything.)
    var isFlexible: Bool {
        if minimum != 1 || maximum != 1 || isAnchor { return true }
        guard case .group(let alternatives) = atom else { return false }
        return alternatives.contains { $0.allSatisfy(\.isFlexible) }
    }
}

/// Reads a pattern's structure: groups, alternatives, classes, escapes and quantifiers.
private struct PatternShapeParser {
    let scalars: [Unicode.Scalar]
    var index = 0

    /// The alternatives up to the end of the current group (or of the pattern).
    mutating func alternatives() -> [[PatternPiece]] {
        var result: [[PatternPiece]] = [[]]
        while index < scalars.count, scalars[index] != ")" {
            if scalars[index] == "|" {
                index += 1
                result.append([])
                continue
            }
            let start = index
            var piece = atom()
            quantify(&piece)
            piece.text = text(from: start)
            result[result.count - 1].append(piece)
        }
        return result
    }

    private mutating func atom() -> PatternPiece {
        let start = index
        let scalar = scalars[index]
        index += 1
        switch scalar {
        case "(":
            var isLookaround = false
            if peek("?") {
                index += 1
                if peek("=") || peek("!") {
                    isLookaround = true
                    index += 1
                } else if peek("<") {
                    index += 1
                    if peek("=") || peek("!") {
                        isLookaround = true
                        index += 1
                    } else {
                        while index < scalars.count, scalars[index] != ">" { index += 1 }
                        index += 1
                    }
                } else {
                    index += 1  // ":"
                }
            }
            let inner = alternatives()
            index += 1  // ")"
            return PatternPiece(atom: isLookaround ? .anchor : .group(inner), text: "")
        case "[":
            while index < scalars.count, scalars[index] != "]" {
                index += scalars[index] == "\\" ? 2 : 1
            }
            index += 1
            let body = text(from: start)
            let isWildcard = ["[^]", "[\\s\\S]", "[\\S\\s]", "[\\d\\D]", "[\\D\\d]", "[\\w\\W]", "[\\W\\w]"]
                .contains(body)
            return PatternPiece(atom: isWildcard ? .wildcard : .character, text: "")
        case "\\":
            let escaped = index < scalars.count ? scalars[index] : "\\"
            index += 1
            switch escaped {
            case "b", "B": return PatternPiece(atom: .anchor, text: "")
            case "S", "D", "W": return PatternPiece(atom: .wildcard, text: "")
            default: return PatternPiece(atom: .character, text: "")
            }
        case "^", "$": return PatternPiece(atom: .anchor, text: "")
        case ".": return PatternPiece(atom: .wildcard, text: "")
        default: return PatternPiece(atom: .character, text: "")
        }
    }

    /// Reads the quantifier after an atom, if any: `*`, `+`, `?`, `{n}`, `{n,}` or `{n,m}`, greedy or lazy.
    private mutating func quantify(_ piece: inout PatternPiece) {
        guard index < scalars.count else { return }
        switch scalars[index] {
        case "*": (piece.minimum, piece.maximum) = (0, nil)
        case "+": (piece.minimum, piece.maximum) = (1, nil)
        case "?": (piece.minimum, piece.maximum) = (0, 1)
        case "{":
            guard let (minimum, maximum, end) = bounds(from: index + 1) else { return }
            (piece.minimum, piece.maximum) = (minimum, maximum)
            index = end
        default: return
        }
        index += 1
        if peek("?") { index += 1 }
    }

    /// The bounds `n}`, `n,}` or `n,m}` starting at `position`, and the index of their `}`.
    private func bounds(from position: Int) -> (Int, Int?, Int)? {
        var position = position
        func number() -> Int? {
            var digits = ""
            while position < scalars.count, ("0"..."9").contains(scalars[position]) {
                digits.unicodeScalars.append(scalars[position])
                position += 1
            }
            return Int(digits)
        }
        guard let minimum = number() else { return nil }
        var maximum: Int? = minimum
        if position < scalars.count, scalars[position] == "," {
            position += 1
            maximum = number()
        }
        guard position < scalars.count, scalars[position] == "}" else { return nil }
        return (minimum, maximum, position)
    }

    private func peek(_ scalar: Unicode.Scalar) -> Bool {
        index < scalars.count && scalars[index] == scalar
    }

    private func text(from start: Int) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[start..<min(index, scalars.count)])
        return text
    }
}
