/// How a ``ProjectionRunner`` behaves. Every setting has a default.
public struct ProjectionRunnerConfiguration: Sendable {
    /// How many events one read (and one checkpointed batch) holds.
    public var pageSize = 1_000
    /// How a failing event is retried before it is parked.
    public var retry = RetryPolicy()
    /// How long an idle runner waits for an append before polling the store (for writers in other processes).
    public var pollInterval: Duration = .milliseconds(250)
    /// How long to wait after a storage failure before trying again.
    public var failureBackoff: Duration = .seconds(1)

    public init() {}
}

/// How an event that makes a projection or reactor throw is retried before it is parked: up to
/// ``maximumAttempts`` tries, with an exponential backoff between them.
public struct RetryPolicy: Sendable, Hashable {
    /// Tries of one event before it is parked (at least 1).
    public var maximumAttempts: Int
    /// The wait after the first failure.
    public var initialBackoff: Duration
    /// The longest wait.
    public var maximumBackoff: Duration

    public init(
        maximumAttempts: Int = 3, initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(5)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// The wait after failed try number `attempt` (1-based): the initial backoff, doubled each time, capped.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) where delay < maximumBackoff { delay *= 2 }
        return min(delay, maximumBackoff)
    }
}
