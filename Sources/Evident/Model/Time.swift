public import Foundation

extension Date {
    /// The instant in whole milliseconds since 1970, rounded down: the precision every store records.
    public var unixMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// The instant in whole seconds since 1970, rounded down: how the HTTP API and handlers show times.
    public var unixSeconds: Int { Int(timeIntervalSince1970.rounded(.down)) }

    /// The instant `milliseconds` after 1970.
    public init(unixMilliseconds milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// The last millisecond of the Unix second `seconds`: every event recorded during that second is at or
    /// before it. What the HTTP API's and the CLI's `at` (whole seconds) means.
    public init(endOfUnixSecond seconds: Int) {
        // In floating point: any whole number of seconds, however large, is a valid question.
        self.init(timeIntervalSince1970: Double(seconds) + 0.999)
    }

    /// The instant rounded down to a whole millisecond, as a store records it.
    public var truncatedToMilliseconds: Date { Date(unixMilliseconds: unixMilliseconds) }
}

extension Duration {
    /// The duration in whole nanoseconds, as metrics timers take it.
    package var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
