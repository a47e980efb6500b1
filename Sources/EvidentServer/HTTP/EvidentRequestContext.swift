public import Hummingbird
public import NIOCore

/// The context of every request: Hummingbird's, and the address of the client that sent it (what a client
/// without a key is rate-limited by).
public struct EvidentRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The client's address; nil when the request did not come over a socket (a test of the router).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
