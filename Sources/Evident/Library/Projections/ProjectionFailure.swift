/// An error thrown by a projection's own code, carried through a store's transaction and its error
/// translation so that it reaches the ``ProjectionRunner`` as it was thrown (to be retried and parked), while the
/// database's own errors become ``EventStoreError``s (to be waited out). For the stores' projection consumers.
package struct ProjectionFailure: Error {
    package var underlying: any Error

    package init(underlying: any Error) {
        self.underlying = underlying
    }

    package static func wrap(_ body: () throws -> Void) throws {
        do { try body() } catch { throw ProjectionFailure(underlying: error) }
    }
}

extension ProjectionError {
    /// The failure of an append whose inline projection `projection` threw on an event of type `eventType` in
    /// `stream`.
    package static func inlineProjectionFailed(
        _ projection: String, eventType: String, stream: StreamName, underlying: any Error
    ) -> ProjectionError {
        ProjectionError(
            code: .inlineProjectionFailed,
            message: "Inline projection \(projection) failed on a '\(eventType)' event of \(stream); "
                + "the append was not written.",
            projection: projection, underlying: "\(underlying)")
    }
}
