import Foundation

/// A line on standard error that shows how far a long command has come, rewritten in place; shown only on a
/// terminal, so that scripts and logs get the result alone.
struct ProgressLine: Sendable {
    let verb: String
    let isShown: Bool

    /// `verb` starts the line ("Copied"); `shown` false hides it whatever standard error is.
    init(_ verb: String, shown: Bool = true) {
        self.verb = verb
        isShown = shown && isatty(STDERR_FILENO) == 1
    }

    func update(_ done: Int64, of total: Int64) {
        guard isShown else { return }
        let percent = total <= 0 ? 100 : min(100, done * 100 / total)
        FileHandle.standardError.write(Data("\r\(verb) \(done) of \(total) events (\(percent) %)".utf8))
    }

    /// Ends the line.
    func finish() {
        if isShown { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
