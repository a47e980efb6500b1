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

    /// The instant's millisecond in ISO 8601, UTC: `2026-12-02T06:12:17.757Z`, as events show it.
    public var iso8601Milliseconds: String {
        // Formatting rounds down, and a whole millisecond is often a hair below itself in floating point.
        Date(timeIntervalSince1970: (Double(unixMilliseconds) + 0.5) / 1_000).formatted(Self.millisecondStyle)
    }

    /// The instant that ``iso8601Milliseconds`` wrote; nil when `text` is not such a time.
    public init?(iso8601Milliseconds text: String) {
        guard let date = try? Self.millisecondStyle.parse(text) else { return nil }
        // Rounded to the millisecond it was written with: parsing can land a hair below it.
        self.init(unixMilliseconds: Int64((date.timeIntervalSince1970 * 1_000).rounded()))
    }

    private static let millisecondStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    /// The instant rounded down to a whole millisecond, as a store records it.
    public var truncatedToMilliseconds: Date { Date(unixMilliseconds: unixMilliseconds) }
}

extension Duration {
    /// The duration in whole nanoseconds, as metrics timers take it.
    package var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
