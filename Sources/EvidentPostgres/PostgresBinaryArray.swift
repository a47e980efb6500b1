import Evident
import Foundation
import NIOCore

/// A one-dimensional PostgreSQL array in the binary format (`array_send`: a header, then each element as its
/// length and bytes, -1 for NULL), read element by element from bytes lent to it.
///
/// Reading from raw bytes rather than through `ByteBuffer` keeps the exclusivity checks on its storage and its
/// out-of-line integer reads out of the loop over a page's events (a quarter of the decoding time, by `perf`).
struct PostgresBinaryArray {
    /// How many elements the array has.
    let count: Int
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    /// The array in `bytes`; no bytes (a NULL cell: `array_agg` of no rows) is an array of no elements.
    private init(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes = bytes
        guard !bytes.isEmpty else {
            count = 0
            return
        }
        // The number of dimensions, whether there are NULLs, the element type; then the length and lower bound of
        // each dimension.
        switch try Self.int32(in: bytes, at: &offset) {
        case 0: count = 0
        case 1:
            offset += 8
            count = Int(try Self.int32(in: bytes, at: &offset))
            offset += 4
            guard count >= 0 else { throw Self.malformed }
        default: throw Self.malformed
        }
    }

    /// Calls `body` with the arrays in `cells`, whose bytes are lent to them for the call.
    static func withArrays<R>(in cells: [ByteBuffer?], _ body: ([PostgresBinaryArray]) throws -> R) throws -> R {
        try withBytes(of: cells.map { $0 ?? ByteBuffer() }[...]) { try body($0.map(PostgresBinaryArray.init)) }
    }

    /// Calls `body` with the readable bytes of each of `cells`, in order.
    private static func withBytes<R>(of cells: ArraySlice<ByteBuffer>, _ body: ([UnsafeRawBufferPointer]) throws -> R)
        throws -> R
    {
        guard let first = cells.first else { return try body([]) }
        return try first.withUnsafeReadableBytes { bytes in
            try withBytes(of: cells.dropFirst()) { try body([bytes] + $0) }
        }
    }

    /// The bytes of the next element, nil when it is NULL; valid as long as the array's.
    mutating func next() throws -> UnsafeRawBufferPointer? {
        let length = Int(try Self.int32(in: bytes, at: &offset))
        guard length >= 0 else { return nil }
        guard length <= bytes.count - offset else { throw Self.malformed }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
    }

    /// The bytes of the next element, which must not be NULL.
    mutating func nextValue() throws -> UnsafeRawBufferPointer {
        guard let value = try next() else { throw Self.malformed }
        return value
    }

    /// The next element, of type `bigint` or `integer`.
    mutating func nextInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let value = try nextValue()
        guard value.count == MemoryLayout<T>.size else { throw Self.malformed }
        return T(bigEndian: value.loadUnaligned(as: T.self))
    }

    /// The next element, of type `uuid`.
    mutating func nextUUID() throws -> UUID {
        let value = try nextValue()
        guard value.count == MemoryLayout<uuid_t>.size else { throw Self.malformed }
        return UUID(uuid: value.loadUnaligned(as: uuid_t.self))
    }

    /// The next element, of type `text`.
    mutating func nextString() throws -> String {
        String(decoding: try nextValue(), as: UTF8.self)
    }

    /// The 32-bit integer at `offset` in `bytes` (lengths and header fields, in network byte order); moves `offset`
    /// past it.
    private static func int32(in bytes: UnsafeRawBufferPointer, at offset: inout Int) throws -> Int32 {
        guard bytes.count - offset >= 4 else { throw malformed }
        defer { offset += 4 }
        return Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    private static let malformed = EventStoreError(
        code: .storageFailure, message: "The database sent an array that is not in PostgreSQL's binary format.")
}
