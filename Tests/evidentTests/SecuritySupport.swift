import Evident
import EvidentTesting
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A spec made for the attacks: expensive patterns, handlers whose output grows, implications that fan out.
enum ProbeSpec {
    static let text = #"""
        {"agent_types": ["user"], "aggregate_types": {
          "probe": {"events": {
            "was_tagged": {"schema": {"type": "object", "properties": {"tag": {"type": "string", "pattern": "a.*a.*a.*!"}}}, "handler": []},
            "items_were_tagged": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "string", "pattern": "^(a+)+$"}}}}, "handler": []},
            "was_doubled": {"schema": {}, "handler": {"set": {"target": "", "value": {"l": "@", "r": "@"}}}},
            "list_was_doubled": {"schema": {}, "handler": {"set": {"target": "list", "value": {"$concat": [{"$coalesce": ["@.list", [1]]}, {"$coalesce": ["@.list", [1]]}]}}}},
            "blob_was_set": {"schema": {"type": "object", "properties": {"blob": {"type": "string"}}, "required": ["blob"]}, "handler": {"set": {"target": "blob", "value": "$.data.blob"}}},
            "was_noted": {"schema": {}, "handler": {"increment": {"target": "notes", "by": 1}}},
            "notes_were_sent": {"schema": {"type": "object", "properties": {"ids": {"type": "array"}}}, "handler": [],
              "implications": [{"map": {"over": "$.data.ids", "as": "$id", "emit": {"aggregate_type": "probe", "id": "$id", "event_type": "was_noted"}}}]},
            "was_fanned_out": {"schema": {"type": "object", "properties": {"ids": {"type": "array"}}}, "handler": [],
              "implications": [{"map": {"over": "$.data.ids", "as": "$id", "emit": {"aggregate_type": "relay", "id": "$id", "event_type": "was_fanned_out", "data": {"ids": "$.data.ids"}}}}]}
          }},
          "relay": {"events": {
            "was_fanned_out": {"schema": {"type": "object", "properties": {"ids": {"type": "array"}}}, "handler": [],
              "implications": [{"map": {"over": "$.data.ids", "as": "$id", "emit": {"aggregate_type": "probe", "id": "$id", "event_type": "was_fanned_out", "data": {"ids": "$.data.ids"}}}}]}
          }}
        }}
        """#

    static let actor = #"{"actor": {"type": "user", "id": "5f0c2a64-8d7e-4b7b-9a51-3c2f8e1d0a11"}}"#

    /// Writes the spec to `directory` and returns its path.
    static func file(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("probe.json")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func id() -> String { UUID().uuidString.lowercased() }

    /// Posts one event to `probe:{id}`.
    static func post(
        port: Int, _ event: String, data: String = "{}", id: String = ProbeSpec.id(), headers: [String: String] = [:]
    ) throws -> RawHTTP.Response {
        try RawHTTP.request(
            port: port, method: "POST", path: "/probe/\(id)/\(event)",
            body: #"{"data": \#(data), "metadata": \#(actor)}"#, headers: headers)
    }
}

extension RawHTTP.Response {
    /// The `code` of a JSON error body.
    var code: String? { (try? JSON(parsing: body))?["code"]?.string }
}

/// Asks `/_health` over and over on a thread of its own while an attack runs, and keeps every status.
final class HealthWatch: Sendable {
    private let stopped = Locked(false)
    private let samples = Locked<[Int]>([])
    private let finished = DispatchSemaphore(value: 0)

    init(port: Int) {
        Thread.detachNewThread { [self] in
            while !stopped.withLock({ $0 }) {
                let status = (try? RawHTTP.request(port: port, method: "GET", path: "/_health").status) ?? 0
                samples.withLock { $0.append(status) }
                Thread.sleep(forTimeInterval: 0.02)
            }
            finished.signal()
        }
    }

    /// Stops asking and checks that answers came while the attack ran and that every one was 200 (each
    /// within the socket timeout of ``RawHTTP``). No latency is asserted: on a busy machine any figure flakes.
    func stopAndCheck(_ comment: Comment, sourceLocation: SourceLocation = #_sourceLocation) {
        stopped.withLock { $0 = true }
        finished.wait()
        let samples = samples.withLock { $0 }
        #expect(!samples.isEmpty, "\(comment): /_health was never answered", sourceLocation: sourceLocation)
        let failed = samples.filter { $0 != 200 }
        #expect(
            failed.isEmpty, "\(comment): /_health failed \(failed.count) of \(samples.count) times",
            sourceLocation: sourceLocation)
    }
}

/// A TCP connection to the server held open by the test, to play a slow or idle client.
final class HeldSocket: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = try RawHTTP.connect(port: port)
    }

    /// Sends `text`; false when the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } > 0
    }

    /// Waits until the server closes the connection (end of file or reset); false if it is still open after
    /// `timeout` seconds — a bound for a failing test, not a measurement.
    func waitForClose(timeout: Double) -> Bool {
        var time = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while Date() < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR { return true }
        }
        return false
    }

    /// Reads until what the server sent contains `marker` and returns it; nil if the connection closes first
    /// or `timeout` seconds pass (a bound for a failing test, not a measurement).
    func read(until marker: String, timeout: Double) -> String? {
        var time = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(timeout)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while Date() < deadline {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 {
                received += buffer[0..<count]
                let text = String(decoding: received, as: UTF8.self)
                if text.contains(marker) { return text }
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return nil
            }
        }
        return nil
    }

    /// Whether the server has sent anything or closed the connection (without waiting or reading it).
    var hasAnswered: Bool {
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        return count >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Whether the server has closed the connection already (without waiting).
    var isClosedByServer: Bool {
        var buffer: UInt8 = 0
        let count = recv(descriptor, &buffer, 1, Int32(MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    deinit { close(descriptor) }
}

/// `evident keys create` on the database, before the server starts.
func createKey(_ scope: String, database: String) throws -> (id: String, key: String) {
    let result = try EvidentBinary.run(["keys", "create", "--db", database, "--scope", scope, "--json"])
    let json = try JSON(parsing: result.output)
    guard result.status == 0, let id = json["id"]?.string, let key = json["key"]?.string else {
        throw RawHTTP.Failure(description: "keys create failed: \(result.error)")
    }
    return (id, key)
}

/// The CPU time a process has used (user and system), in seconds, from /proc.
func cpuSeconds(of pid: Int32) -> Double {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the
    // 12th and 13th of them.
    guard let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}
