import EvidentTesting
import Foundation

/// Runs the commands of a ``DocPage`` in one `bash` session, in a fresh directory, with `evident` on the
/// `PATH`: what one page sets (`CART=…`, `KEY=$(…)`, `cd`) holds for its later commands.
///
/// The session is one script: each command runs in `{ …; } 2>&1` and is followed by a marker line with its
/// exit status, the HTTP status of its last `curl`, and the server's port. `$ evident serve …` runs in the
/// background on a free port; the script reads its log until the `url=` line, then goes on. `curl` is a
/// function that sends `127.0.0.1:8080` to that port. After `evident keys create`, the session waits until
/// the server enforces keys (a server sees keys written by another process within 250 ms; a reader's
/// typing covers that, a script does not).
struct DocSession {
    struct Result: Sendable {
        var output: [String]
        var exitStatus: Int
        var httpStatus: Int?
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs every command of `page`; one result per command, in order.
    static func run(_ page: DocPage) throws -> [Result] {
        let directory = try TemporaryDirectory(prefix: "evident-docs")
        let home = directory.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // The pages name the example specs as Examples/specs/…, from the repository's root.
        try FileManager.default.createSymbolicLink(
            atPath: home + "/Examples", withDestinationPath: repository.appendingPathComponent("Examples").path)
        let token = "@@doc-\(UUID().uuidString)"
        var script = prelude(home: home, token: token)
        for (index, command) in page.commands.enumerated() {
            var text = command.text
            if text.hasPrefix("evident serve") { text = "doc_serve " + text }
            // `$?` is the previous command's status, as in a terminal.
            script += ": > \"$DOC_STATUS\"\ndoc_restore\n{ \(text)\n} 2>&1\ndoc_done \(index) $?\n"
        }
        let scriptPath = directory.file("page.sh")
        try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [scriptPath]
        process.currentDirectoryURL = URL(fileURLWithPath: home)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EVIDENT_") }
        environment["HOME"] = home
        environment["PATH"] = EvidentBinary.url.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        // Into a file, not a pipe: the servers the session starts in the background, or a process another test
        // starts at the same moment, would hold a pipe open after the session ends.
        let outputPath = directory.file("session-output")
        guard FileManager.default.createFile(atPath: outputPath, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try output.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        return split(String(decoding: data, as: UTF8.self), token: token, count: page.commands.count)
    }

    /// Cuts the session's output at the marker lines.
    static func split(_ output: String, token: String, count: Int) -> [Result] {
        var results: [Result] = []
        var rest = Substring(output)
        // Everything before the first marker is the prelude's.
        if let first = rest.range(of: "\n\(token) start\n") { rest = rest[first.upperBound...] }
        while let marker = rest.range(of: "\n\(token) ") {
            let text = String(rest[..<marker.lowerBound])
            let lineEnd = rest[marker.upperBound...].firstIndex(of: "\n") ?? rest.endIndex
            let fields = rest[marker.upperBound..<lineEnd].split(separator: " ").map(String.init)
            rest = lineEnd < rest.endIndex ? rest[rest.index(after: lineEnd)...] : ""
            var lines = DocPage.lines(text)
            if fields.count > 3, fields[3] != "-", fields[3] != "8080" {
                lines = lines.map { $0.replacingOccurrences(of: "127.0.0.1:\(fields[3])", with: "127.0.0.1:8080") }
            }
            while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
            let http = fields.count > 2 ? Int(fields[2]) : nil
            results.append(
                Result(
                    output: lines, exitStatus: fields.count > 1 ? Int(fields[1]) ?? -1 : -1,
                    httpStatus: http == 0 ? nil : http))
        }
        // A session that stopped early leaves the rest without output.
        while results.count < count {
            results.append(
                Result(output: ["(the session ended before this command ran)", String(rest)], exitStatus: -1))
        }
        return results
    }

    static func prelude(home: String, token: String) -> String {
        #"""
        cd "$HOME"
        DOC_STATUS="$HOME/../http-status"
        DOC_PORT=-
        DOC_SERVER_PID=
        DOC_LAST=0
        doc_restore() { return "$DOC_LAST"; }
        doc_done() {
            DOC_LAST=$2
            local http
            http=$(cat "$DOC_STATUS" 2>/dev/null)
            printf '\n%s %s %s %s %s\n' "$DOC_TOKEN" "$1" "$2" "${http:-0}" "$DOC_PORT"
        }
        doc_stop() {
            if [ -n "$DOC_SERVER_PID" ]; then kill -TERM "$DOC_SERVER_PID" 2>/dev/null; wait "$DOC_SERVER_PID" 2>/dev/null; fi
        }
        trap doc_stop EXIT
        # `evident serve …` on a free port, in the background; prints its log until it listens.
        doc_serve() {
            doc_stop
            exec 4< <(exec "$@" --port 0 2>&1)
            DOC_SERVER_PID=$!
            local line
            while IFS= read -r -t 120 line <&4; do
                printf '%s\n' "$line"
                case "$line" in
                    *" url=http://127.0.0.1:"*)
                        DOC_PORT=${line##*url=http://127.0.0.1:}
                        DOC_PORT=${DOC_PORT%%[!0-9]*}
                        break ;;
                esac
            done
            cat <&4 >> "$HOME/../serve.log" &
            exec 4<&-
        }
        # curl to the server the page started; records the HTTP status for a `# 404` note.
        curl() {
            local arguments=() argument
            for argument in "$@"; do arguments+=("${argument//127.0.0.1:8080/127.0.0.1:$DOC_PORT}"); done
            { command curl --max-time 60 -w '%{stderr}%{http_code}' "${arguments[@]}" 2>&1 1>&3 3>&- \
                | tail -c 3 > "$DOC_STATUS"; } 3>&1
        }
        # After the first key is created, wait until the server enforces keys (it looks every 250 ms).
        evident() {
            command evident "$@"
            local status=$?
            if [ "$1" = keys ] && [ "$2" = create ] && [ "$DOC_PORT" != - ] && [ $status = 0 ]; then
                local attempt
                for attempt in $(seq 1 600); do
                    [ "$(command curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DOC_PORT/_log?limit=1")" = 401 ] && break
                    sleep 0.05
                done
            fi
            return $status
        }
        DOC_TOKEN='\#(token)'
        printf '\n%s start\n' "$DOC_TOKEN"

        """#
    }
}
