import Dispatch
import Foundation
import Logging

/// Guarantees that SIGTERM or SIGINT end the process in bounded time. The server's graceful shutdown lets
/// requests finish for a grace period and then cancels them; their work checks for cancellation between steps,
/// but a task stuck where it cannot check, or both of Swift's cooperative threads busy so that the shutdown
/// itself cannot run, would delay the exit without bound. The watchdog runs on a thread of its own and ends
/// the process once `limit` has passed since the signal. Acknowledged appends are durable at that point
/// (each is committed with `fsync` before it is answered); a request still running is answered by no one.
enum ShutdownWatchdog {
    private static let queue = DispatchQueue(label: "evident.shutdown-watchdog")
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func arm(limit: Duration, logger: Logger) {
        for signal in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
            source.setEventHandler {
                queue.asyncAfter(deadline: .now() + .milliseconds(Int(limit / .milliseconds(1)))) {
                    logger.warning(
                        "Requests were still running \(limit) after the signal to stop; exiting without them")
                    exit(0)
                }
            }
            source.resume()
            queue.sync { sources.append(source) }
        }
    }
}
