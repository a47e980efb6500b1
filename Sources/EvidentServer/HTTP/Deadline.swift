import EvidentSpec
import HTTPTypes

/// The request's deadline (``ServerConfiguration/requestTimeout``), checked between the steps of long work.
enum Deadline {
    /// Throws when the request's deadline has passed, or when its task was cancelled (the server is stopping).
    static func check() throws {
        if Task.isCancelled {
            throw APIError(.serviceUnavailable, "The server is shutting down; retry the request.")
        }
        if let deadline = SpecLimits.deadline, deadline < .now {
            throw SpecError(
                code: .deadlineExceeded, message: "the request ran past the server's request timeout and was stopped")
        }
    }
}
