import Crypto
public import Foundation

/// The key that wraps every data subject's key before it is stored: 32 bytes, given as 64 hex digits or as
/// base64. Without one, subjects' keys are stored as they are, and the key table is as sensitive as the data.
public struct MasterKey: Sendable, CustomStringConvertible {
    let key: SymmetricKey

    /// Reads a master key from its text: 64 hex digits, or the base64 of 32 bytes (surrounding white space
    /// ignored).
    public init(text: String) throws(EventStoreError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes: [UInt8]? =
            if trimmed.count == 64, trimmed.allSatisfy(\.isHexDigit) {
                stride(from: 0, to: 64, by: 2).map { offset in
                    let start = trimmed.index(trimmed.startIndex, offsetBy: offset)
                    return UInt8(trimmed[start..<trimmed.index(start, offsetBy: 2)], radix: 16)!
                }
            } else {
                Data(base64Encoded: trimmed).map(Array.init)
            }
        guard let bytes, bytes.count == 32 else {
            throw .invalidArgument(
                "A master key is 32 bytes, written as 64 hex digits or in base64 (make one with `openssl rand -hex 32`)."
            )
        }
        key = SymmetricKey(data: bytes)
    }

    /// Never the key.
    public var description: String { "MasterKey(…)" }
}

/// Encrypts and decrypts personal values with their subject's key (AES-256-GCM). An event's values are sealed
/// together with a random nonce and bound to the event and their paths, so values moved to another event or
/// field no longer open.
struct PersonalDataCipher: Sendable {
    let masterKey: MasterKey?

    /// The hash stores keep instead of a subject's id: the hex SHA-256 of `evident-subject:` and the id. A
    /// person who knows the id can check a receipt; the hash alone does not give the id back (for ids that are
    /// hard to guess).
    static func subjectHash(_ subject: String) -> String {
        Hashing.sha256Hex(Array("evident-subject:\(subject)".utf8))
    }

    /// A new subject key: 256 random bits, wrapped with the master key when there is one.
    func newKey(subjectHash: String, at date: Date) throws -> SubjectKey {
        let id = UUID()
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Array($0) }
        let material =
            if let masterKey {
                try Array(AES.GCM.seal(bytes, using: masterKey.key, authenticating: Self.bytes(of: id)).combined!)
            } else {
                bytes
            }
        return SubjectKey(subjectHash: subjectHash, id: id, material: material, createdAt: date)
    }

    /// The data key of a live subject key; nil when it was destroyed.
    func dataKey(_ key: SubjectKey) throws -> SymmetricKey? {
        guard let material = key.material else { return nil }
        guard let masterKey else {
            guard material.count == 32 else {
                throw EventStoreError(
                    code: .storageFailure,
                    message: "Subject key \(key.id) is wrapped with a master key; start with the master key.")
            }
            return SymmetricKey(data: material)
        }
        do {
            let box = try AES.GCM.SealedBox(combined: material)
            return SymmetricKey(
                data: try AES.GCM.open(box, using: masterKey.key, authenticating: Self.bytes(of: key.id)))
        } catch {
            throw EventStoreError(
                code: .storageFailure,
                message:
                    "Subject key \(key.id) does not open with this master key (a different one, or none, wrapped it).")
        }
    }

    /// `value` sealed for `context` (where it is kept), as base64 text.
    func seal(_ value: JSON, context: [UInt8], with key: SymmetricKey) throws -> String {
        try AES.GCM.seal(value.serialized(), using: key, authenticating: context).combined!.base64EncodedString()
    }

    /// The value ``seal(_:context:with:)`` sealed for `context`; nil when the text was altered or moved.
    func open(_ text: String, context: [UInt8], with key: SymmetricKey) -> JSON? {
        guard let combined = Data(base64Encoded: text),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(box, using: key, authenticating: context)
        else { return nil }
        return try? plain.withUnsafeBytes { try JSON(parsing: $0) }
    }

    /// Where an event's personal values are kept, after the event's id (see ``PersonalFields/context(event:)``):
    /// their paths.
    static func context(paths: [[String]]) -> [UInt8] {
        // Every count and length before what it counts, so that no two lists of paths give the same bytes.
        var context: [UInt8] = []
        func append(_ length: Int) { withUnsafeBytes(of: UInt32(length).littleEndian) { context += $0 } }
        for path in paths {
            append(path.count)
            for key in path {
                append(key.utf8.count)
                context += key.utf8
            }
        }
        return context
    }

    /// Where a snapshot's state is kept: its stream and version.
    static func context(snapshotOf stream: StreamName, version: Int) -> [UInt8] {
        Array("snapshot:\(stream)@\(version)".utf8)
    }

    /// A snapshot key: one key derived from every subject key a snapshot's state may hold values of, so the
    /// snapshot stops opening as soon as any of them is destroyed.
    static func combinedKey(_ keys: [SymmetricKey], stream: StreamName) -> SymmetricKey {
        let material = keys.reduce(into: [UInt8]()) { bytes, key in key.withUnsafeBytes { bytes += $0 } }
        return HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: material), info: Array("evident-snapshot:\(stream)".utf8),
            outputByteCount: 32)
    }

    private static func bytes(of id: UUID) -> [UInt8] {
        withUnsafeBytes(of: id.uuid) { Array($0) }
    }
}
