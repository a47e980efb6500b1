import ArgumentParser
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Input as the process received it, checked before anything is stored: Swift turns command-line arguments
/// and decoded text into `String`s by replacing bytes that are not UTF-8 with U+FFFD, which would store a
/// character the user never wrote.
enum CommandLineInput {
    /// Refuses a command-line argument that is not valid UTF-8, naming it and the offset of its first bad byte.
    ///
    /// It reads the raw bytes of `CommandLine.unsafeArgv`: `CommandLine.arguments`, which ArgumentParser
    /// parses, already holds U+FFFD in their place. A U+FFFD that the user wrote, as valid UTF-8, is accepted.
    static func checkArgumentsAreUTF8() throws {
        var previous: String?
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
            if let offset = firstInvalidUTF8(in: bytes) {
                throw ValidationError(argumentMessage(bytes: bytes, number: index, previous: previous, offset: offset))
            }
            previous = String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Names a bad argument: `--data=…` by its option, any other by its number and the argument before it.
    private static func argumentMessage(bytes: UnsafeBufferPointer<UInt8>, number: Int, previous: String?, offset: Int)
        -> String
    {
        if let equals = bytes.firstIndex(of: UInt8(ascii: "=")), equals < offset, bytes.starts(with: "--".utf8) {
            let option = String(decoding: bytes[..<equals], as: UTF8.self)
            return "The value of \(option) is not valid UTF-8: invalid byte at offset \(offset - equals - 1)."
        }
        let place = previous.map { " (after \($0))" } ?? ""
        return "Argument \(number)\(place) is not valid UTF-8: invalid byte at offset \(offset)."
    }

    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence, or nil when all of
    /// `bytes` is valid UTF-8.
    static func firstInvalidUTF8(in bytes: some Sequence<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// Reads standard input to its end, refusing more than `limit` bytes (it stops reading there).
    static func readStandardInput(limit: Int, describing what: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let chunk = try FileHandle.standardInput.read(upToCount: 64 * 1024), !chunk.isEmpty {
            bytes.append(contentsOf: chunk)
            guard bytes.count <= limit else {
                throw ValidationError("\(what) is larger than the limit of \(limit) bytes.")
            }
        }
        return bytes
    }
}
