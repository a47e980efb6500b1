import Foundation
import Testing

/// Runs every shell example of the user-facing pages against a fresh server and compares what it prints with
/// the page (the convention is in ``DocPage``), so that the pages cannot drift from what Evident does.
@Suite("Doc examples", .onBlockingThreads)
struct DocExamplesTests {
    static let pages = ["README.md", "docs/getting-started.md", "docs/http-api.md"]

    @Test("every shell example prints what the page shows", .timeLimit(.minutes(10)), arguments: pages)
    func page(_ path: String) async throws {
        let text = try String(
            contentsOf: DocSession.repository.appendingPathComponent(path), encoding: .utf8)
        let page = DocPage(path: path, text: text)
        for problem in page.problems { Issue.record("\(path), \(problem)") }
        #expect(!page.commands.isEmpty, "\(path) has no `$ ` commands")
        let results = try DocSession.run(page)
        for (command, result) in zip(page.commands, results) {
            let matched = DocPage.matches(expected: command.expected, actual: result.output)
            #expect(
                matched,
                """
                \(path), line \(command.line): the output differs from the page.
                $ \(command.text)
                --- the page shows:
                \(command.expected.joined(separator: "\n"))
                --- it printed (exit status \(result.exitStatus)):
                \(result.output.joined(separator: "\n"))
                """)
            if let status = command.exitStatus {
                #expect(
                    result.exitStatus == status,
                    """
                    \(path), line \(command.line): the page notes exit \(status), the command exited \(result.exitStatus).
                    $ \(command.text)
                    """)
            }
            if let status = command.status {
                #expect(
                    result.httpStatus == status,
                    """
                    \(path), line \(command.line): the page notes HTTP \(status), the server answered \
                    \(result.httpStatus.map(String.init) ?? "nothing").
                    $ \(command.text)
                    """)
            }
        }
    }

    @Test("the page convention: commands, continuations, notes and wildcards")
    func convention() {
        let page = DocPage(
            path: "example.md",
            text: """
                ```sh
                $ curl -s -X POST http://127.0.0.1:8080/cart/1 \\
                    -d '{"a": 1,
                         "b": 2}'
                {"ok":false}          # 404
                $ echo hi             # the shell's comment may hold a quote
                hi                    # exit 0
                $ cat > f <<'EOF'
                $ not a command
                EOF
                ```

                <!-- not run: never ends -->
                ```sh
                curl -sN http://127.0.0.1:8080/_log/stream
                ```

                ```sh
                swift build
                ```
                """)
        #expect(page.commands.count == 3)
        #expect(page.commands[1].exitStatus == 0)
        #expect(page.commands[1].expected == ["hi"])
        #expect(page.commands[2].text.hasSuffix("EOF"))
        #expect(page.commands.first?.text.components(separatedBy: "\n").count == 3)
        #expect(page.commands.first?.expected == [#"{"ok":false}"#])
        #expect(page.commands.first?.status == 404)
        #expect(page.problems.count == 1)
        #expect(page.problems.first?.hasPrefix("line 18:") == true)
        #expect(DocPage.matches(expected: [#"{"at":…,"ok":true}"#], actual: [#"{"at":17,"ok":true}"#]))
        #expect(!DocPage.matches(expected: [#"{"at":…,"ok":true}"#], actual: [#"{"at":17,"ok":false}"#]))
        #expect(DocPage.matches(expected: ["a", "…", "z"], actual: ["a", "b", "c", "z"]))
        #expect(DocPage.matches(expected: ["a", "…", "z"], actual: ["a", "z"]))
        #expect(!DocPage.matches(expected: ["a", "z"], actual: ["a", "b", "z"]))
        #expect(!DocPage.matches(expected: ["a"], actual: ["a", "b"]))
    }
}
