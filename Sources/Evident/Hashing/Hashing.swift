import Crypto

/// SHA-256 digests (swift-crypto's), for spec content hashes, API key hashes, fingerprints and the log's chain.
public enum Hashing {
    /// The digest of `message` as 64 lower-case hex digits.
    public static func sha256Hex(_ message: [UInt8]) -> String {
        LogChain.hex(sha256(message))
    }

    /// The 32-byte digest of `message`.
    public static func sha256(_ message: [UInt8]) -> [UInt8] {
        SHA256.hash(data: message).withUnsafeBytes { Array($0) }
    }
}
