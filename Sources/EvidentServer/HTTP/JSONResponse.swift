import HTTPTypes
import Evident
import Hummingbird

extension Response {
    /// A JSON response with `status`.
    static func json(_ body: JSON, status: HTTPResponse.Status = .ok) -> Response {
        var bytes = body.serialized()
        bytes.append(0x0A)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The `{"ok": true, …}` envelope.
    static func ok(_ fields: [String: JSON], status: HTTPResponse.Status = .ok) -> Response {
        var object = fields
        object["ok"] = true
        return json(.object(object), status: status)
    }

    /// A write's answer: the envelope with `position`, the log position of the write's last event, also in the
    /// `Evident-Position` header. A read that sends it back as its consistency token sees the write.
    static func written(_ fields: [String: JSON], position: Int64, status: HTTPResponse.Status = .created)
        -> Response
    {
        var object = fields
        object["position"] = .int(Int(position))
        var response = ok(object, status: status)
        response.headers[.evidentPosition] = String(position)
        return response
    }
}

extension Request {
    /// The body as JSON, at most `limit` bytes; 413 past it, 400 when it is not JSON.
    mutating func jsonBody(limit: Int) async throws -> JSON {
        guard let body = try await optionalJSONBody(limit: limit) else {
            throw APIError(.badRequest, "The request body is empty; send JSON.")
        }
        return body
    }

    /// The body as JSON, or nil when it is empty; at most `limit` bytes, 413 past it, 400 when it is not JSON.
    mutating func optionalJSONBody(limit: Int) async throws -> JSON? {
        let buffer: ByteBuffer
        do {
            buffer = try await collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "The request body is larger than the limit of \(limit) bytes.")
        } catch {
            // The connection ended or broke before the body was complete (fewer bytes than Content-Length).
            throw APIError(.badRequest, "The request body ended before all of it arrived; send it whole.")
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try buffer.withUnsafeReadableBytes { try JSON(parsing: $0) }
        } catch let error as JSONParseError {
            throw APIError(.badRequest, "The request body is not valid JSON: \(error.reason) at byte \(error.offset).")
        }
    }

    /// A query parameter as an integer in `range`, or nil when absent; 400 when malformed.
    func integerQuery(_ name: String, in range: ClosedRange<Int> = 0...Int.max) throws -> Int? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(
                .badRequest,
                "Query parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }
}
