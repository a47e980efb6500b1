import Crypto
public import Foundation

/// The hash chain of the log: every event's hash covers the hash of the event before it and the event exactly as
/// stored, so changing, removing, inserting or reordering any stored event changes every hash after it.
///
/// `hash = SHA-256(previous hash ‖ position ‖ id ‖ stream ‖ version ‖ type ‖ recorded time ‖ data ‖ metadata)`,
/// with integers as 8 bytes big-endian (the time in Unix milliseconds), the id as its 16 bytes, and each text
/// as its UTF-8 byte count (4 bytes big-endian) then its bytes; data and metadata are the JSON texts as stored,
/// personal values sealed. The event before the first is 32 zero bytes. docs/audit.md gives an example to check
/// by hand.
public enum LogChain {
    /// The hash before the first event.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// The hash of one stored event, given the hash of the event before it.
    public static func hash(
        previous: [UInt8], position: Int64, id: UUID, stream: String, version: Int, type: String,
        recordedAt: Int64, data: some Collection<UInt8>, metadata: some Collection<UInt8>
    ) -> [UInt8] {
        // One message, hashed in one call: each call into the hasher costs more than hashing a small event.
        var message: [UInt8] = []
        message.reserveCapacity(100 + stream.utf8.count + type.utf8.count + data.count + metadata.count)
        message += previous
        message.append(integer: position)
        withUnsafeBytes(of: id.uuid) { message += $0 }
        message.append(text: stream.utf8)
        message.append(integer: Int64(version))
        message.append(text: type.utf8)
        message.append(integer: recordedAt)
        message.append(text: data)
        message.append(text: metadata)
        return SHA256.hash(data: message).withUnsafeBytes { Array($0) }
    }

    /// `bytes` as lower-case hex digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            let digits = Array("0123456789abcdef".utf8)
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
            }
            return bytes.count * 2
        }
    }

    /// The bytes of hex digits; nil when `text` is not an even number of hex digits.
    public static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The hash of `event`, stored with `data` and `metadata` as its texts.
    public static func hash(previous: [UInt8], of event: RecordedEvent, data: [UInt8], metadata: [UInt8]) -> [UInt8] {
        hash(
            previous: previous, position: event.position, id: event.id, stream: event.stream.description,
            version: event.version, type: event.type, recordedAt: event.recordedAt.unixMilliseconds, data: data,
            metadata: metadata)
    }
}

extension [UInt8] {
    fileprivate mutating func append(integer: Int64) {
        Swift.withUnsafeBytes(of: integer.bigEndian) { self += $0 }
    }

    /// The text's UTF-8 byte count (4 bytes big-endian), then its bytes.
    fileprivate mutating func append(text: some Collection<UInt8>) {
        Swift.withUnsafeBytes(of: UInt32(text.count).bigEndian) { self += $0 }
        self += text
    }
}
