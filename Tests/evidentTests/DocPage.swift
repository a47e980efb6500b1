import Foundation

/// The shell examples of a Markdown page, as the doc test runs them.
///
/// The convention, which the pages follow so that a reader needs no key to it:
/// - In a fenced code block, a line that starts with `$ ` is a command; the lines after it, up to the next
///   `$ ` line or the end of the block, are what it prints (standard output and standard error, as a terminal
///   shows them). A command goes on over the next lines while a quote is open or the line ends with `\`.
/// - `…` in an expected line stands for any text on that line (a timestamp, a generated id); a line that is
///   only `…` stands for any number of lines.
/// - An expected line may end with two or more spaces and `# note`; the note is not output. A note that is
///   an HTTP status (`# 404`) is checked against the status of the command's last `curl`, and `# exit 1`
///   against the command's exit status. A here-document (`cat > f <<'EOF'` … `EOF`) belongs to its command.
/// - A shell block (`sh`, `bash`, `shell`, `console`) without `$ ` lines, or any block that must not run,
///   is preceded by `<!-- not run: why -->` (builds, feeds that never end, steps in an editor).
/// - `$ evident serve …` starts the server in the background, as in a terminal of its own, on a free port;
///   its expected lines are those it logs until it listens. `127.0.0.1:8080` in commands is that port.
struct DocPage: Sendable, CustomStringConvertible {
    struct Command: Sendable {
        /// The 1-based line of the page where the command starts.
        var line: Int
        /// The command as written, without `$ `, continuation lines included.
        var text: String
        /// The expected output, notes removed.
        var expected: [String]
        /// The HTTP status a `# 404` note gives, if any.
        var status: Int?
        /// The exit status an `# exit 1` note gives, if any.
        var exitStatus: Int?
    }

    /// The page's path, relative to the repository.
    var path: String
    var commands: [Command]
    /// Blocks that can neither run nor are marked as not run: "line N: …".
    var problems: [String]

    var description: String { path }

    static let notRunMarker = "<!-- not run:"
    static let shellLanguages: Set<String> = ["sh", "bash", "shell", "console"]

    init(path: String, text: String) {
        self.path = path
        commands = []
        problems = []
        let lines = Self.lines(text)
        var index = 0
        var previousText = ""  // the last non-blank line outside a block
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("```") else {
                if !trimmed.isEmpty { previousText = trimmed }
                index += 1
                continue
            }
            let fence = String(trimmed.prefix { $0 == "`" })
            let language = String(trimmed.dropFirst(fence.count)).trimmingCharacters(in: .whitespaces)
            let start = index + 1
            var end = start
            while end < lines.count, !lines[end].trimmingCharacters(in: .whitespaces).hasPrefix(fence) { end += 1 }
            let body = Array(lines[start..<min(end, lines.count)])
            let skipped = previousText.hasPrefix(Self.notRunMarker)
            let runnable = body.contains { $0.hasPrefix("$ ") }
            if !skipped {
                if runnable {
                    parse(block: body, firstLine: start + 1)
                } else if Self.shellLanguages.contains(language) {
                    problems.append(
                        "line \(start): a \(language) block with no `$ ` command; write its commands as `$ …` "
                            + "with their output, or put `<!-- not run: why -->` before it")
                }
            }
            previousText = ""
            index = end + 1
        }
    }

    private mutating func parse(block: [String], firstLine: Int) {
        var index = 0
        while index < block.count, !block[index].hasPrefix("$ ") {
            if !block[index].trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append("line \(firstLine + index): output before the block's first `$ ` command")
            }
            index += 1
        }
        while index < block.count {
            let line = firstLine + index
            var text = String(block[index].dropFirst(2))
            index += 1
            while Self.continues(text), index < block.count {
                text += "\n" + block[index]
                index += 1
            }
            if let delimiter = Self.hereDocumentDelimiter(text) {
                while index < block.count {
                    text += "\n" + block[index]
                    index += 1
                    if block[index - 1] == delimiter { break }
                }
            }
            var expected: [String] = []
            var status: Int?
            var exitStatus: Int?
            while index < block.count, !block[index].hasPrefix("$ ") {
                let (output, note) = Self.splitNote(block[index])
                expected.append(output)
                if let note {
                    let words = note.split(separator: " ")
                    if words.count == 1, words[0].count == 3, let code = Int(words[0]) { status = code }
                    if words.count == 2, words[0] == "exit", let code = Int(words[1]) { exitStatus = code }
                }
                index += 1
            }
            while expected.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { expected.removeLast() }
            commands.append(
                Command(line: line, text: text, expected: expected, status: status, exitStatus: exitStatus))
        }
    }

    /// Whether a command goes on over the next line: a quote is still open, or it ends with `\`. A `#`
    /// comment (which may hold an apostrophe) ends at the end of its line.
    static func continues(_ command: String) -> Bool {
        var single = false
        var double = false
        var escaped = false
        var comment = false
        var previous: Character = "\n"
        for character in command {
            defer { previous = character }
            if comment {
                if character == "\n" { comment = false }
                continue
            }
            if escaped {
                escaped = false
                continue
            }
            switch character {
            case "#" where !single && !double && (previous == " " || previous == "\t" || previous == "\n"):
                comment = true
            case "\\" where !single: escaped = true
            case "'" where !double: single.toggle()
            case "\"" where !single: double.toggle()
            default: break
            }
        }
        return single || double || escaped
    }

    /// The lines of `text`, without their `\r` (`curl -i` prints HTTP's `\r\n`, which Swift counts as one
    /// character, so it is split on Unicode scalars).
    static func lines(_ text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { scalars in
            var line = String.UnicodeScalarView(scalars)
            if line.last == "\r" { line.removeLast() }
            return String(line)
        }
    }

    /// An expected line without its `  # note`, and the note.
    static func splitNote(_ line: String) -> (String, String?) {
        guard let range = line.range(of: #"\s{2,}# \S.*$"#, options: .regularExpression) else { return (line, nil) }
        let note = line[range].split(separator: "#", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        return (String(line[..<range.lowerBound]), note)
    }

    /// The delimiter of a here-document the command opens (`<<'EOF'`, `<<EOF`), whose lines are part of it.
    static func hereDocumentDelimiter(_ command: String) -> String? {
        guard let range = command.range(of: #"<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?"#, options: .regularExpression)
        else { return nil }
        return String(command[range].drop { "<-'\" ".contains($0) }.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
    }

    /// Whether `actual` matches `expected`, where `…` in a line matches any text and a line of only `…` any
    /// number of lines.
    static func matches(expected: [String], actual: [String]) -> Bool {
        var memo: [Int: Bool] = [:]
        func match(_ e: Int, _ a: Int) -> Bool {
            let key = e * (actual.count + 1) + a
            if let known = memo[key] { return known }
            let result: Bool
            if e == expected.count {
                result = a == actual.count
            } else if expected[e].trimmingCharacters(in: .whitespaces) == "…" {
                result = (a...actual.count).contains { match(e + 1, $0) }
            } else {
                result = a < actual.count && lineMatches(expected[e], actual[a]) && match(e + 1, a + 1)
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }

    /// Whether one line matches, `…` standing for any text (trailing spaces ignored).
    static func lineMatches(_ expected: String, _ actual: String) -> Bool {
        let parts = expected.trimmingTrailingSpaces().components(separatedBy: "…")
        var rest = Substring(actual.trimmingTrailingSpaces())
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        if parts.count == 1 { return rest.isEmpty }
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts[parts.count - 1])
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
