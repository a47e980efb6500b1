import Evident
import Hummingbird
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Bounds what idle and slow connections can hold:
///
/// - **Header timeout:** once the first byte of a request arrives, its head must be complete within
///   ``ServerConfiguration/headerTimeout``, or the connection is closed (a slow-header client holds nothing).
/// - **Idle timeout:** a connection waiting for its next request (or its first) is closed after
///   ``ServerConfiguration/idleTimeout``.
/// - **Connection limit:** past ``ServerConfiguration/maximumConnections`` open connections, each new one
///   closes the connection that has waited longest for a request to begin (else the one whose head has been
///   arriving longest), so a flood of idle or slow sockets cannot keep `/_health` or anyone else out. A
///   request in progress is never cut; when every connection is busy, the new one is closed instead.
///
/// Each connection reports its phase as it changes; a sweep, a few times per timeout, closes those past
/// their timeout. So a request costs a few uncontended lock operations and no timer.
final class ConnectionGuard: Sendable {
    enum Phase: Comparable {
        /// Waiting for the first byte of a request (since the instant given).
        case waiting(ContinuousClock.Instant)
        /// A request's head is arriving (since the instant given).
        case readingHead(ContinuousClock.Instant)
        /// A request is in progress, from its head to the end of its response.
        case busy
    }

    /// One open connection: its channel and phase. The phase is set by the connection's own event loop and read
    /// by arrivals and sweeps, under a lock of its own, so a request never touches the table of connections.
    final class Record: Sendable {
        let channel: any Channel
        private let current = Mutex(Phase.waiting(.now))

        init(channel: any Channel) {
            self.channel = channel
        }

        var phase: Phase {
            get { current.withLock { $0 } }
            set { current.withLock { $0 = newValue } }
        }
    }

    private struct State {
        var connections: [ObjectIdentifier: Record] = [:]
        var sweeping = false
    }

    let maximumConnections: Int
    let headerTimeout: Duration
    let idleTimeout: Duration
    private let state = Mutex(State())

    init(maximumConnections: Int, headerTimeout: Duration, idleTimeout: Duration) {
        self.maximumConnections = maximumConnections
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    /// The handlers for a new connection's pipeline, after HTTP decoding.
    func handlers() -> [any RemovableChannelHandler] {
        [RequestWatch(guard: self)]
    }

    fileprivate func opened(_ channel: any Channel) -> Record {
        let record = Record(channel: channel)
        let (evicted, startSweeping) = state.withLock { state -> ((any Channel)?, Bool) in
            state.connections[ObjectIdentifier(record)] = record
            let startSweeping = !state.sweeping
            state.sweeping = true
            guard state.connections.count > maximumConnections else { return (nil, startSweeping) }
            // Phases order as waiting (oldest first), then reading a head (oldest first), then busy. The one
            // chosen leaves the count at once: its close completes later, and the next arrival must not choose
            // it again.
            var victim = record
            if let evictable = state.connections.values.map({ ($0, $0.phase) }).min(by: { $0.1 < $1.1 }),
                evictable.1 != .busy
            {
                victim = evictable.0
            }
            state.connections[ObjectIdentifier(victim)] = nil
            return (victim.channel, startSweeping)
        }
        evicted?.close(promise: nil)
        if startSweeping {
            // Often enough that a timeout is kept to within a tenth of it (at least every second).
            let interval = TimeAmount.nanoseconds(
                max(min(min(headerTimeout, idleTimeout) / 10, .seconds(1)), .milliseconds(20)).nanoseconds)
            channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] task in
                guard let self else { return task.cancel() }
                self.closeExpired()
            }
        }
        return record
    }

    /// Closes the connections past their header or idle timeout.
    private func closeExpired() {
        let now = ContinuousClock.now
        let expired = state.withLock { state in
            state.connections.values.filter { record in
                switch record.phase {
                case .waiting(let since): since.duration(to: now) > idleTimeout
                case .readingHead(let since): since.duration(to: now) > headerTimeout
                case .busy: false
                }
            }
        }
        for record in expired { record.channel.close(promise: nil) }
    }

    fileprivate func closed(_ record: Record) {
        _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(record)) }
    }
}

/// Follows one connection's requests (after HTTP decoding): a request is in progress from its head to the end
/// of its response. It installs ``FirstByteWatch`` at the front of the pipeline, which tells it when the bytes
/// of a new request begin to arrive.
private final class RequestWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let guardian: ConnectionGuard
    var record: ConnectionGuard.Record?
    /// Whether the connection waits for the first byte of its next request.
    var waiting = true

    init(guard guardian: ConnectionGuard) {
        self.guardian = guardian
    }

    func handlerAdded(context: ChannelHandlerContext) {
        record = guardian.opened(context.channel)
        try? context.pipeline.syncOperations.addHandler(FirstByteWatch(requests: self), position: .first)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let record { guardian.closed(record) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let record { guardian.closed(record) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            waiting = false
            record?.phase = .busy
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            waiting = true
            record?.phase = .waiting(.now)
        }
        context.write(data, promise: promise)
    }

    /// Bytes arrived at the front of the pipeline: if they begin a request, its head is now arriving.
    func bytesArrived() {
        guard waiting else { return }
        waiting = false
        record?.phase = .readingHead(.now)
    }
}

/// The first handler of the pipeline: tells ``RequestWatch`` when raw bytes arrive.
private final class FirstByteWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let requests: RequestWatch

    init(requests: RequestWatch) {
        self.requests = requests
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        requests.bytesArrived()
        context.fireChannelRead(data)
    }
}
