public import Evident
public import Foundation
import Synchronization

/// This server process as one node of those serving a store: its id, version, when it started, and the
/// address it listens on once bound.
public final class ServerNode: Sendable {
    /// The Evident version a node reports.
    public static let evidentVersion = "0.1.0"

    public let id: UUID
    public let version: String
    public let startedAt: Date
    /// `host:port`, once the server listens.
    private let boundAddress = Mutex<String?>(nil)
    private let bindings: (stream: AsyncStream<String>, continuation: AsyncStream<String>.Continuation)

    public init(id: UUID = UUID(), version: String = ServerNode.evidentVersion, startedAt: Date) {
        self.id = id
        self.version = version
        self.startedAt = startedAt
        bindings = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// What the server listens on, `host:port`; nil until it listens.
    public var address: String? { boundAddress.withLock { $0 } }

    /// Records that the server listens on `address` (`host:port`, the port as bound).
    public func bound(to address: String) {
        boundAddress.withLock { $0 = address }
        bindings.continuation.yield(address)
        bindings.continuation.finish()
    }

    /// Waits until the server listens; nil when cancelled first. For the one ``NodeHeartbeat`` of the node.
    func waitUntilBound() async -> String? {
        if let address { return address }
        for await address in bindings.stream { return address }
        return address
    }

    /// The node's record, seen at `date`.
    public func record(seenAt date: Date) -> NodeRecord {
        NodeRecord(id: id, address: address ?? "", version: version, startedAt: startedAt, lastSeenAt: date)
    }

    /// `host:port` of `host` and `port`, with an IPv6 host in brackets.
    static func address(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
