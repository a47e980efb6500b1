public import Foundation

/// What a listing says of one stream, without reading its events.
public struct StreamSummary: Sendable, Hashable {
    public var stream: StreamName
    /// How many events the stream has: the version of its last event.
    public var length: Int
    /// The log position of the stream's last event.
    public var lastPosition: Int64
    /// When the stream's last event was recorded.
    public var updatedAt: Date

    public init(stream: StreamName, length: Int, lastPosition: Int64, updatedAt: Date) {
        self.stream = stream
        self.length = length
        self.lastPosition = lastPosition
        self.updatedAt = updatedAt
    }
}

/// A store that lists the streams of a category in id order, a page at a time, from its indexes: a page costs a
/// few index look-ups per stream listed, never a scan of the log.
///
/// ```swift
/// var after: String? = nil
/// repeat {
///     let page = try await store.streams(inCategory: "order", after: after, limit: 100)
///     for summary in page { print(summary.stream, summary.length) }
///     after = page.count == 100 ? page.last?.stream.id : nil
/// } while after != nil
/// ```
public protocol StreamListing: EventStore {
    /// Up to `limit` streams of `category` whose id comes after `after` (all when nil), in id order: the byte
    /// order of the ids' UTF-8, the same in every store. With `target`, only the streams that hold at least one
    /// event whose `metadata.target` is `target`.
    func streams(inCategory category: String, after id: String?, limit: Int, target: EntityReference?) async throws
        -> [StreamSummary]
}

extension StreamListing {
    /// Up to `limit` streams of `category` whose id comes after `after`, in id order.
    public func streams(inCategory category: String, after id: String?, limit: Int) async throws -> [StreamSummary] {
        try await streams(inCategory: category, after: id, limit: limit, target: nil)
    }
}

extension EventStore {
    /// The store as a ``StreamListing``; fails with ``EventStoreError/Code/unsupported`` when it lists no streams.
    public func streamListing() throws(EventStoreError) -> any StreamListing {
        guard let listing = self as? any StreamListing else {
            throw EventStoreError(code: .unsupported, message: "This store cannot list its streams (\(Self.self)).")
        }
        return listing
    }
}

extension String {
    /// Whether the string comes before `other` in the order streams are listed in: the byte order of UTF-8.
    public func precedesInListing(_ other: String) -> Bool {
        utf8.lexicographicallyPrecedes(other.utf8)
    }
}
