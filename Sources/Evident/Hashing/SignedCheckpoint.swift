import Crypto
public import Foundation

/// A head of the log, `(position, hash)`, signed with Ed25519: proof that the log held exactly this chain up to
/// `position` when it was signed. Servers with a signing key append one to ``stream`` as they go; an auditor
/// who keeps one can later show that the log was not cut back or rewritten below it.
public struct SignedCheckpoint: Sendable, Hashable {
    public var position: Int64
    public var hash: [UInt8]
    public var signedAt: Date
    public var signature: [UInt8]
    /// The raw 32-byte Ed25519 public key that signed it.
    public var publicKey: [UInt8]

    /// The system stream of checkpoints, and their event type.
    public static var stream: StreamName { try! StreamName(category: "$audit", id: "checkpoints") }
    public static let eventType = "head_was_signed"

    /// Signs the head `(position, hash)` with `key`.
    public init(position: Int64, hash: [UInt8], signedAt: Date, key: SigningKey) throws {
        let signedAt = signedAt.truncatedToMilliseconds
        self.position = position
        self.hash = hash
        self.signedAt = signedAt
        signature = Array(try key.key.signature(for: Self.message(position: position, hash: hash, signedAt: signedAt)))
        publicKey = Array(key.key.publicKey.rawRepresentation)
    }

    /// Whether the signature holds for its own public key and, when given, whether that is `trusted`.
    public func isValid(trusting trusted: [UInt8]? = nil) -> Bool {
        if let trusted, trusted != publicKey { return false }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: Self.message(position: position, hash: hash, signedAt: signedAt))
    }

    /// What is signed: `evident-checkpoint-v1`, the position (8 bytes big-endian), the hash, and the time in Unix
    /// milliseconds (8 bytes big-endian).
    static func message(position: Int64, hash: [UInt8], signedAt: Date) -> [UInt8] {
        var message = Array("evident-checkpoint-v1".utf8)
        withUnsafeBytes(of: position.bigEndian) { message += $0 }
        message += hash
        withUnsafeBytes(of: signedAt.unixMilliseconds.bigEndian) { message += $0 }
        return message
    }

    /// As `GET /_audit/head` answers it and the checkpoint event holds it: hex hash, ISO time, base64 signature
    /// and public key.
    public var json: JSON {
        [
            "position": .int(Int(position)), "hash": .string(LogChain.hex(hash)),
            "signed_at": .string(signedAt.iso8601Milliseconds),
            "signature": .string(Data(signature).base64EncodedString()),
            "public_key": .string(Data(publicKey).base64EncodedString()),
        ]
    }

    /// Reads a checkpoint from its JSON; fails with what is wrong.
    public init(json: JSON) throws(EventStoreError) {
        guard let position = json["position"]?.number, let hash = json["hash"]?.string.flatMap(LogChain.bytes(hex:)),
            let signedAt = json["signed_at"]?.string.flatMap(Date.init(iso8601Milliseconds:)),
            let signature = json["signature"]?.string.flatMap({ Data(base64Encoded: $0) }),
            let publicKey = json["public_key"]?.string.flatMap({ Data(base64Encoded: $0) })
        else {
            throw .invalidArgument(
                "A signed head is a JSON object with position, hash (hex), signed_at (ISO 8601), signature and "
                    + "public_key (base64), as GET /_audit/head answers.")
        }
        self.position = Int64(position)
        self.hash = hash
        self.signedAt = signedAt
        self.signature = Array(signature)
        self.publicKey = Array(publicKey)
    }
}

/// An Ed25519 key that signs checkpoints, kept in a file as the base64 of its 32 raw bytes.
public struct SigningKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// A new random key.
    public init() {
        key = Curve25519.Signing.PrivateKey()
    }

    /// Reads a key from its text (base64 of 32 bytes).
    public init(text: String) throws(EventStoreError) {
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
        else {
            throw .invalidArgument("A signing key is the base64 of 32 bytes; make one with `evident audit keygen`.")
        }
        self.key = key
    }

    /// The key as its file holds it.
    public var text: String { key.rawRepresentation.base64EncodedString() }

    /// The public key, raw (32 bytes).
    public var publicKey: [UInt8] { Array(key.publicKey.rawRepresentation) }
}
