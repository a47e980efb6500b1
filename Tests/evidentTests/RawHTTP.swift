import EvidentTesting
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 client over a POSIX socket, for live tests that must send arbitrary bytes (bad UTF-8,
/// broken JSON, odd headers) to a real server process.
enum RawHTTP {
    struct Response {
        var status: Int
        var head: String
        var body: String

        /// The value of the header `name` (any case), if the answer has it.
        func header(_ name: String) -> String? {
            head.split(separator: "\r\n").dropFirst().lazy.compactMap { line -> String? in
                guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else {
                    return nil
                }
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }.first
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends `bytes` to 127.0.0.1:`port` and reads until the server closes the connection or `timeout` passes.
    static func exchange(port: Int, bytes: [UInt8], timeout: Double = 10) throws -> Response {
        let socket = try connect(port: port)
        defer { close(socket) }
        var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { break }  // the server may answer and close before reading everything
            sent += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n"), let status = Int(text.split(separator: " ").dropFirst().first ?? "")
        else { throw Failure(description: "no HTTP answer (got \(received.count) bytes)") }
        return Response(status: status, head: String(text[..<end.lowerBound]), body: String(text[end.upperBound...]))
    }

    /// A TCP socket connected to 127.0.0.1:`port`.
    static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let cause = errno
            close(socket)
            throw Failure(description: "connect() to port \(port) failed: errno \(cause)")
        }
        return socket
    }

    /// A request with `Connection: close`; throws when no answer arrives within `timeout` seconds.
    static func request(
        port: Int, method: String, path: String, body: String? = nil, headers: [String: String] = [:],
        timeout: Double = 10
    ) throws -> Response {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + (body ?? "")
        return try exchange(port: port, bytes: Array(text.utf8), timeout: timeout)
    }
}

/// A running `evident serve` process on a free port.
final class ServerProcess {
    let server: BackgroundEvident
    let port: Int

    var process: Process { server.process }

    convenience init(
        directory: TemporaryDirectory, spec: String?, extraArguments: [String] = [], environment: [String: String] = [:]
    ) throws {
        try self.init(
            store: ["--db", directory.file("evident.sqlite")], spec: spec, extraArguments: extraArguments,
            environment: environment)
    }

    /// A server on the store that `store` names (`--db PATH`, `--store URL`), with `environment` added to the
    /// test's own.
    init(store: [String], spec: String?, extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        // A request timeout no busy test machine reaches, unless the test sets its own.
        let timeout = extraArguments.contains("--request-timeout") ? [] : ["--request-timeout", "600"]
        server = try BackgroundEvident(
            ["serve"] + store + ["--port", "0"] + (spec.map { ["--spec", $0] } ?? []) + timeout + extraArguments,
            environment: environment)
        // The server logs its URL once it listens.
        let marker = "url=http://127.0.0.1:"
        let lines = try server.waitForLinesBlocking(on: \.error, "the line with its URL") {
            $0.contains { $0.contains(marker) }
        }
        let line = lines.first { $0.contains(marker) }!
        let range = line.range(of: marker)!
        guard let port = Int(line[range.upperBound...].prefix { $0.isNumber }) else {
            throw RawHTTP.Failure(description: "no port in the server's line: \(line)")
        }
        self.port = port
    }

    /// Sends `signal`, then waits for the server to exit.
    func kill(signal: Int32 = SIGKILL) {
        server.kill(signal: signal)
    }
}
