import HTTPTypes
import Evident
import EvidentEngine
import Hummingbird
import ServiceLifecycle
import Synchronization

extension EvidentServer {
    /// `GET /_log` and the live feed `GET /_log/stream`, read from the engine's read store. Their `?after=` is the
    /// page cursor, so only the header `Evident-After` is a consistency token there.
    func addLogRoutes(_ routes: inout Routes.Group) {
        routes.on(.get, "/_log") { request, _ in
            let after = try request.integerQuery("after") ?? 0
            let limit = try request.integerQuery("limit", in: 1...configuration.maximumPageSize) ?? 100
            let filter = try await logFilter(request)
            try await awaitConsistency(request, tokenInQuery: false)
            let events = try await engine.readStore.readLog(after: Int64(after), filter: filter, limit: limit)
            return Response.ok([
                "events": .array(events.map(\.apiJSON)), "next": .int(Int(events.last?.position ?? Int64(after))),
            ])
        }

        // Server-Sent Events: the stored events after the position, then live ones; `Last-Event-ID` resumes;
        // `?until=` ends the stream once the log has passed that position.
        routes.on(.get, "/_log/stream") { request, _ in
            let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!]
            let resumeFrom = lastEventID.flatMap { Int($0) }
            guard lastEventID == nil || (resumeFrom ?? -1) >= 0 else {
                throw APIError(.badRequest, "Last-Event-ID must be a log position (a whole number, 0 or more).")
            }
            let after = try resumeFrom ?? request.integerQuery("after") ?? 0
            let until = try request.integerQuery("until").map(Int64.init)
            let filter = try await logFilter(request)
            try await awaitConsistency(request, tokenInQuery: false)
            let subscription = engine.readStore.subscribe(after: Int64(after), filter: filter)
            let heartbeat = configuration.heartbeatInterval
            let body = ResponseBody { writer in
                var events = subscription.makeAsyncIterator()
                let stopping = Mutex(false)
                try await writer.write(ByteBuffer(string: ": evident live feed\n\n"))
                // Ends when the client goes away (a write fails) or the server shuts down gracefully.
                try await withGracefulShutdownHandler {
                    var lastWrite = ContinuousClock.now
                    while !stopping.withLock({ $0 }) {
                        let batch = try await events.nextBatch(idleTimeout: min(heartbeat, .seconds(1)))
                        var text = ""
                        for event in batch where until.map({ event.position <= $0 }) ?? true {
                            text +=
                                "id: \(event.position)\nevent: \(event.type)\ndata: \(event.apiJSON.serializedString())\n\n"
                        }
                        if text.isEmpty, lastWrite.duration(to: .now) >= heartbeat { text = ": heartbeat\n\n" }
                        if !text.isEmpty {
                            try await writer.write(ByteBuffer(string: text))
                            lastWrite = .now
                        }
                        if let until, events.position >= until { break }
                    }
                } onGracefulShutdown: {
                    stopping.withLock { $0 = true }
                }
                try await writer.finish(nil)
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no",
                ],
                body: body)
        }
    }

    /// `?types=a,b&aggregate_type=order&target=customer:42`; system streams are never shown.
    private func logFilter(_ request: Request) async throws -> LogFilter {
        let types = request.uri.queryParameters.get("types").map { $0.split(separator: ",").map(String.init) }
        let aggregateType = request.uri.queryParameters.get("aggregate_type")
        let target = try await targetQuery(request)
        return LogFilter(
            streamCategories: aggregateType.map { [$0] }, eventTypes: types.map(Set.init), excludesSystemStreams: true,
            target: target)
    }
}
