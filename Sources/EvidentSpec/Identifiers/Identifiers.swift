/// The id rules of aggregates, actors and targets (j17): a UUID v4 or v5 (any case, normalized to lower-case),
/// a 9-character Crockford base32 code (normalized to lower-case), a singleton (`global`, and those a spec
/// declares), or a UUID with a `:tag` suffix such as `…:2026`.
///
/// ```swift
/// let id = try Identifiers.normalize("7F3C2A10-5B7E-4C1D-9A2B-0C3D4E5F6A7B")   // "7f3c2a10-…"
/// Identifiers.problem(with: "7")   // "'7' is not a valid id: expected …"
/// ```
public enum Identifiers {
    /// The singleton every spec has.
    public static let global = "global"

    /// The normalized id; throws ``SpecError`` with code `malformedIdentifier` and the reason when malformed.
    public static func normalize(_ id: String, singletons: Set<String> = []) throws(SpecError) -> String {
        switch check(id, singletons: singletons) {
        case .success(let normalized): return normalized
        case .failure(let reason): throw SpecError(code: .malformedIdentifier, message: reason.message)
        }
    }

    /// Why `id` is malformed, or nil when it is valid.
    public static func problem(with id: String, singletons: Set<String> = []) -> String? {
        if case .failure(let reason) = check(id, singletons: singletons) { reason.message } else { nil }
    }

    private struct Reason: Error {
        let message: String
    }

    private static func check(_ id: String, singletons: Set<String>) -> Result<String, Reason> {
        if id == global || singletons.contains(id) { return .success(id) }
        let bytes = Array(id.utf8)
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            let tag = bytes[(colon + 1)...]
            return uuid(bytes[..<colon], in: id).flatMap { uuid in
                guard !tag.isEmpty, tag.count <= 64, tag.allSatisfy(isTagByte) else {
                    return .failure(
                        Reason(
                            message: "'\(id)' has a malformed tag: after ':' write 1 to 64 letters, digits, '_' or '-'")
                    )
                }
                return .success(uuid + ":" + String(decoding: tag, as: UTF8.self))
            }
        }
        if bytes.count == 36 { return uuid(bytes[...], in: id) }
        if bytes.count == 9 {
            guard let bad = bytes.first(where: { crockfordDigit($0) == nil }) else {
                return .success(id.lowercased())
            }
            return .failure(
                Reason(
                    message: "'\(id)' is not Crockford base32: '\(Character(Unicode.Scalar(bad)))' is not one of "
                        + "0-9 and A-Z without I, L, O, U"))
        }
        let others = singletons.subtracting([global]).sorted().map { ", " + $0 }.joined()
        return .failure(
            Reason(
                message: "'\(id)' is not a valid id: use a UUID v4 or v5, a 9-character Crockford base32 code, a UUID "
                    + "with a ':tag' suffix, or a singleton (\(global)\(others))"))
    }

    private static func uuid(_ bytes: ArraySlice<UInt8>, in id: String) -> Result<String, Reason> {
        let text = String(decoding: bytes, as: UTF8.self)
        guard bytes.count == 36 else {
            return .failure(Reason(message: "'\(id)' is not a valid id: '\(text)' is not a UUID (36 characters)"))
        }
        for (offset, byte) in bytes.enumerated() {
            let isHyphenPlace = [8, 13, 18, 23].contains(offset)
            guard isHyphenPlace ? byte == UInt8(ascii: "-") : hexValue(byte) != nil else {
                return .failure(
                    Reason(
                        message:
                            "'\(id)' is not a valid id: '\(text)' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
                )
            }
        }
        let start = bytes.startIndex
        let version = hexValue(bytes[start + 14])!
        guard version == 4 || version == 5 else {
            return .failure(Reason(message: "'\(id)' is a UUID version \(version); only versions 4 and 5 are accepted"))
        }
        guard (8...11).contains(hexValue(bytes[start + 19])!) else {
            return .failure(Reason(message: "'\(id)' is not an RFC 4122 UUID (its variant digit must be 8, 9, a or b)"))
        }
        return .success(text.lowercased())
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static let crockfordAlphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    private static func crockfordDigit(_ byte: UInt8) -> Int? {
        let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
        return crockfordAlphabet.firstIndex(of: lower)
    }

    private static func isTagByte(_ byte: UInt8) -> Bool {
        hexValue(byte) != nil || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }
}
