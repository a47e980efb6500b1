/// Checkers for the `format` values this validator can assert; other formats are annotations only.
enum SchemaFormats {
    /// The checker for each supported format name.
    static let checkers: [String: @Sendable (String) -> Bool] = [
        "date": isDate,
        "time": isTime,
        "date-time": isDateTime,
        "duration": isDuration,
        "email": { isEmail($0, allowsUnicode: false) },
        "idn-email": { isEmail($0, allowsUnicode: true) },
        "hostname": isHostname,
        "ipv4": isIPv4,
        "ipv6": isIPv6,
        "uri": { isURI($0, requiresScheme: true, allowsUnicode: false) },
        "uri-reference": { isURI($0, requiresScheme: false, allowsUnicode: false) },
        "iri": { isURI($0, requiresScheme: true, allowsUnicode: true) },
        "iri-reference": { isURI($0, requiresScheme: false, allowsUnicode: true) },
        "uuid": isUUID,
        "json-pointer": isJSONPointer,
        "relative-json-pointer": isRelativeJSONPointer,
        "uri-template": isURITemplate,
        "regex": { SchemaRegex($0) != nil },
    ]

    // MARK: Dates and times (RFC 3339)

    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 10 && isDate(bytes[...])
    }

    private static func number(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        let start = bytes.startIndex
        guard bytes.count == 10, bytes[start + 4] == UInt8(ascii: "-"), bytes[start + 7] == UInt8(ascii: "-"),
            let year = number(bytes[start..<start + 4]), let month = number(bytes[start + 5..<start + 7]),
            let day = number(bytes[start + 8..<start + 10]), (1...12).contains(month)
        else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    static func isTime(_ text: String) -> Bool {
        isTime(Array(text.utf8)[...])
    }

    private static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        var index = bytes.startIndex
        func twoDigits() -> Int? {
            guard index + 2 <= bytes.endIndex, let value = number(bytes[index..<index + 2]) else { return nil }
            index += 2
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard index < bytes.endIndex, bytes[index] == character.asciiValue! else { return false }
            index += 1
            return true
        }
        guard let hour = twoDigits(), expect(":"), let minute = twoDigits(), expect(":"), let second = twoDigits(),
            hour <= 23, minute <= 59, second <= 60
        else { return false }
        if index < bytes.endIndex, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let digitsStart = index
            while index < bytes.endIndex, bytes[index] >= 0x30 && bytes[index] <= 0x39 { index += 1 }
            guard index > digitsStart else { return false }
        }
        guard index < bytes.endIndex else { return false }
        var offsetMinutes = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            index += 1
            guard let offsetHour = twoDigits(), expect(":"), let offsetMinute = twoDigits(), offsetHour <= 23,
                offsetMinute <= 59
            else { return false }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        default:
            return false
        }
        guard index == bytes.endIndex else { return false }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count > 11, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") else { return false }
        return isDate(bytes[0..<10]) && isTime(bytes[11...])
    }

    private static let durationPattern = SchemaRegex(
        "^P(?:(?:[0-9]+D|[0-9]+M(?:[0-9]+D)?|[0-9]+Y(?:[0-9]+M(?:[0-9]+D)?)?)(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?"
            + "|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)|[0-9]+W)$"
    )!

    static func isDuration(_ text: String) -> Bool {
        // A fixed pattern that cannot backtrack badly: it needs no budget.
        durationPattern.matches(text, stoppingWhen: { false }) == true
    }

    // MARK: Internet names and addresses

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.utf8.count), let value = number(Array(part.utf8)[...]) else { return false }
            return value <= 255 && (part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0"))
        }
    }

    static func isIPv6(_ text: String) -> Bool {
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
            return false
        }
        var address = Substring(text)
        var extraGroups = 0
        if address.contains(".") {
            guard let colon = address.lastIndex(of: ":"), isIPv4(String(address[address.index(after: colon)...])) else {
                return false
            }
            address = address[...colon]
            if !address.hasSuffix("::") { address = address.dropLast() }
            extraGroups = 2
        }
        func groups(_ part: Substring) -> Int? {
            if part.isEmpty { return 0 }
            let groups = part.split(separator: ":", omittingEmptySubsequences: false)
            guard groups.allSatisfy({ (1...4).contains($0.count) }) else { return nil }
            return groups.count
        }
        if let range = address.firstRange(of: "::") {
            let head = address[..<range.lowerBound]
            let tail = address[range.upperBound...]
            guard !tail.contains("::"), let first = groups(head), let second = groups(tail) else { return false }
            return first + second + extraGroups <= 7
        }
        return groups(address).map { $0 + extraGroups == 8 } ?? false
    }

    static func isHostname(_ text: String) -> Bool {
        isHostname(text, allowsUnicode: false)
    }

    /// An RFC 1123 host name; with `allowsUnicode`, labels may also hold non-ASCII letters (a lenient
    /// stand-in for IDNA, used by `idn-email`).
    static func isHostname(_ text: String, allowsUnicode: Bool) -> Bool {
        let name = Substring(text)
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            let scalars = Array(label.unicodeScalars)
            guard (1...63).contains(scalars.count), scalars.first != "-", scalars.last != "-",
                scalars.allSatisfy({
                    $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" || (allowsUnicode && $0.value >= 0x80)
                })
            else { return false }
            if scalars.count >= 4, scalars[2] == "-", scalars[3] == "-" {
                return label.lowercased().hasPrefix("xn--")
            }
            return true
        }
    }

    static func isEmail(_ text: String, allowsUnicode: Bool) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return false }
        if local.hasPrefix("\""), local.hasSuffix("\""), local.count >= 2 {
            var escaped = false
            for scalar in local.unicodeScalars.dropFirst().dropLast() {
                if escaped {
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" || scalar.value < 0x20 || scalar.value == 0x7F {
                    return false
                }
            }
            guard !escaped else { return false }
        } else {
            let special = "!#$%&'*+-/=?^_`{|}~".unicodeScalars
            let atoms = local.split(separator: ".", omittingEmptySubsequences: false)
            guard
                atoms.allSatisfy({ atom in
                    !atom.isEmpty
                        && atom.unicodeScalars.allSatisfy {
                            $0.isASCIILetter || $0.isASCIIDigit || special.contains($0)
                                || (allowsUnicode && $0.value >= 0x80)
                        }
                })
            else { return false }
        }
        if domain.hasPrefix("["), domain.hasSuffix("]") {
            let literal = domain.dropFirst().dropLast()
            if literal.hasPrefix("IPv6:") { return isIPv6(String(literal.dropFirst(5))) }
            return isIPv4(String(literal))
        }
        return isHostname(String(domain), allowsUnicode: allowsUnicode)
    }

    static func isUUID(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 36 else { return false }
        for (index, scalar) in scalars.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard scalar == "-" else { return false }
            } else if !scalar.isHexDigit {
                return false
            }
        }
        return true
    }

    // MARK: URIs (RFC 3986) and IRIs (RFC 3987)

    private static let subDelimiters = "!$&'()*+,;=".unicodeScalars
    private static let unreservedMarks = "-._~".unicodeScalars

    /// Whether every character of `part` is allowed: unreserved, sub-delimiters, `extra`, a valid
    /// percent-encoding, or (for IRIs) a non-ASCII character.
    private static func isValid(_ part: Substring, extra: String, allowsUnicode: Bool) -> Bool {
        let scalars = Array(part.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "%" {
                guard index + 2 < scalars.count, scalars[index + 1].isHexDigit, scalars[index + 2].isHexDigit else {
                    return false
                }
                index += 3
                continue
            }
            let allowed =
                scalar.isASCIILetter || scalar.isASCIIDigit || unreservedMarks.contains(scalar)
                || subDelimiters.contains(scalar) || extra.unicodeScalars.contains(scalar)
                || (allowsUnicode && scalar.value >= 0xA0 && !(0xD800...0xDFFF).contains(scalar.value))
            guard allowed else { return false }
            index += 1
        }
        return true
    }

    static func isURI(_ text: String, requiresScheme: Bool, allowsUnicode: Bool) -> Bool {
        let uri = SchemaURI(text)
        if requiresScheme && uri.scheme == nil { return false }
        if let authority = uri.authority {
            var hostAndPort = Substring(authority)
            if let at = authority.lastIndex(of: "@") {
                guard isValid(authority[..<at], extra: ":", allowsUnicode: allowsUnicode) else { return false }
                hostAndPort = authority[authority.index(after: at)...]
            }
            var port: Substring = ""
            if hostAndPort.hasPrefix("[") {
                guard let close = hostAndPort.firstIndex(of: "]") else { return false }
                let literal = hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close]
                guard isIPv6(String(literal)) || isIPvFuture(literal) else { return false }
                let rest = hostAndPort[hostAndPort.index(after: close)...]
                if !rest.isEmpty {
                    guard rest.hasPrefix(":") else { return false }
                    port = rest.dropFirst()
                }
            } else {
                if let colon = hostAndPort.lastIndex(of: ":") {
                    port = hostAndPort[hostAndPort.index(after: colon)...]
                    hostAndPort = hostAndPort[..<colon]
                }
                guard isValid(hostAndPort, extra: "", allowsUnicode: allowsUnicode) else { return false }
            }
            guard port.unicodeScalars.allSatisfy(\.isASCIIDigit) else { return false }
        } else if uri.scheme == nil,
            let firstSegment = uri.path.split(separator: "/", omittingEmptySubsequences: false).first,
            firstSegment.contains(":")
        {
            return false
        }
        return isValid(Substring(uri.path), extra: ":@/", allowsUnicode: allowsUnicode)
            && isValid(Substring(uri.query ?? ""), extra: ":@/?", allowsUnicode: allowsUnicode)
            && isValid(Substring(uri.fragment ?? ""), extra: ":@/?", allowsUnicode: allowsUnicode)
    }

    /// `v1.fe`: an IP-literal of a future version (RFC 3986 §3.2.2).
    private static func isIPvFuture(_ literal: Substring) -> Bool {
        guard literal.hasPrefix("v") || literal.hasPrefix("V"), let dot = literal.firstIndex(of: ".") else {
            return false
        }
        let version = literal[literal.index(after: literal.startIndex)..<dot]
        let rest = literal[literal.index(after: dot)...]
        return !version.isEmpty && version.unicodeScalars.allSatisfy(\.isHexDigit) && !rest.isEmpty
            && isValid(rest, extra: ":", allowsUnicode: false) && !rest.contains("%")
    }

    /// RFC 6570 URI Template syntax.
    static func isURITemplate(_ text: String) -> Bool {
        var rest = Substring(text)
        while let scalar = rest.unicodeScalars.first {
            if scalar == "{" {
                guard let close = rest.firstIndex(of: "}") else { return false }
                guard isTemplateExpression(rest[rest.index(after: rest.startIndex)..<close]) else { return false }
                rest = rest[rest.index(after: close)...]
                continue
            }
            if scalar == "%" {
                let scalars = Array(rest.unicodeScalars.prefix(3))
                guard scalars.count == 3, scalars[1].isHexDigit, scalars[2].isHexDigit else { return false }
                rest = Substring(rest.unicodeScalars.dropFirst(3))
                continue
            }
            guard scalar.value > 0x20, scalar.value != 0x7F, !"\"<>\\^`|}".unicodeScalars.contains(scalar) else {
                return false
            }
            rest = Substring(rest.unicodeScalars.dropFirst())
        }
        return true
    }

    private static func isTemplateExpression(_ expression: Substring) -> Bool {
        var body = expression
        if let first = body.unicodeScalars.first, "+#./;?&=,!@|".unicodeScalars.contains(first) {
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return false }
        return body.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { spec in
            var name = spec
            if name.hasSuffix("*") {
                name = name.dropLast()
            } else if let colon = name.firstIndex(of: ":") {
                let length = name[name.index(after: colon)...]
                guard (1...4).contains(length.count), length.unicodeScalars.allSatisfy(\.isASCIIDigit),
                    !length.hasPrefix("0")
                else { return false }
                name = name[..<colon]
            }
            return !name.isEmpty && !name.hasPrefix(".") && !name.hasSuffix(".") && !name.contains("..")
                && isValid(name, extra: "", allowsUnicode: false)
                && name.unicodeScalars.allSatisfy {
                    $0.isASCIILetter || $0.isASCIIDigit || "_.%".unicodeScalars.contains($0)
                }
        }
    }

    // MARK: JSON Pointers (RFC 6901)

    static func isJSONPointer(_ text: String) -> Bool {
        guard text.isEmpty || text.hasPrefix("/") else { return false }
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "~" {
                guard let next = scalars.next(), next == "0" || next == "1" else { return false }
            }
        }
        return true
    }

    static func isRelativeJSONPointer(_ text: String) -> Bool {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits == "0" || !digits.hasPrefix("0") else { return false }
        let rest = text[digits.endIndex...]
        return rest == "#" || isJSONPointer(String(rest))
    }
}
