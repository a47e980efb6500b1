extension JSON {
    /// Compact JSON text as UTF-8 bytes, object keys in sorted order, so equal values serialize equally.
    /// Non-finite doubles, which JSON cannot express, are written as `null`.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        write(to: &output)
        return output
    }

    /// Compact JSON text, object keys in sorted order.
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }

    /// Appends the compact JSON text of this value to `output`.
    public func write(to output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: value ? "true".utf8 : "false".utf8)
        case .int(let value):
            output.append(contentsOf: String(value).utf8)
        case .double(let value):
            if !value.isFinite {
                output.append(contentsOf: "null".utf8)
            } else if let integer = Int(exactly: value), abs(value) < 1e15 {
                output.append(contentsOf: String(integer).utf8)
                output.append(contentsOf: ".0".utf8)
            } else {
                output.append(contentsOf: value.description.utf8)
            }
        case .string(let value):
            JSON.writeString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { output.append(UInt8(ascii: ",")) }
                JSON.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                members[key]!.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ string: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30])
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}

extension JSON {
    /// The length in bytes of ``serialized()``, counted without serializing; counting stops as soon as it passes
    /// `limit`, so a huge value (or one that shares its parts many times over) costs no more than the limit.
    /// The result is exact when it is at most `limit`, and some number above `limit` otherwise.
    public func serializedSize(limit: Int = .max) -> Int {
        var size = 0
        addSerializedSize(to: &size, limit: limit)
        return size
    }

    private func addSerializedSize(to size: inout Int, limit: Int) {
        switch self {
        case .null: size += 4
        case .bool(let value): size += value ? 4 : 5
        case .int(let value): size += JSON.digitCount(value)
        case .double(let value):
            if !value.isFinite {
                size += 4
            } else if let integer = Int(exactly: value), abs(value) < 1e15 {
                size += JSON.digitCount(integer) + 2
            } else {
                size += value.description.utf8.count
            }
        case .string(let value): size += JSON.serializedSize(of: value)
        case .array(let elements):
            size += 2 + max(0, elements.count - 1)
            for element in elements {
                guard size <= limit else { return }
                element.addSerializedSize(to: &size, limit: limit)
            }
        case .object(let members):
            size += 2 + max(0, members.count - 1)
            for (key, value) in members {
                guard size <= limit else { return }
                size += JSON.serializedSize(of: key) + 1
                value.addSerializedSize(to: &size, limit: limit)
            }
        }
    }

    private static func digitCount(_ value: Int) -> Int {
        guard value != .min else { return 20 }
        var count = value < 0 ? 2 : 1
        var rest = abs(value)
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    private static func serializedSize(of string: String) -> Int {
        var size = 2
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09: size += 2
            case 0..<0x20: size += 6
            default: size += 1
            }
        }
        return size
    }
}
