@testable import Evident
import Foundation
import Testing

@Suite("Decoding Codable values from JSON")
struct JSONValueDecoderTests {
    struct Everything: Codable, Equatable {
        enum Kind: String, Codable { case a, b }
        struct Nested: Codable, Equatable { var x: Int8; var y: [UInt16] }
        var int = -5
        var double = 2.5
        var float: Float = 1.25
        var bool = true
        var string = "héllo"
        var optional: String? = nil
        var present: Int? = 7
        var kind = Kind.b
        var nested = Nested(x: -3, y: [1, 2])
        var array: [Nested?] = [nil, Nested(x: 1, y: [])]
        var byInt: [Int: String] = [1: "one", 20: "twenty"]
        var set: Set<String> = ["p", "q"]
        var date = Date(timeIntervalSince1970: 1_763_900_000.125)
        var data = Data([0, 1, 254, 255])
        var url = URL(string: "https://example.com/a?b=c")!
        var decimal = Decimal(string: "12.5")!
        var big: UInt64 = 9_000_000_000_000_000_000
        var uuid = UUID()
    }

    @Test("reads what JSONEncoder writes")
    func roundTrip() throws {
        let value = Everything()
        let json = try JSONCoding.encode(value)
        #expect(try JSONCoding.decode(Everything.self, from: json) == value)
        let viaFoundation = try JSONDecoder().decode(Everything.self, from: Data(json.serialized()))
        #expect(viaFoundation == value)
    }

    @Test("reports mismatches and missing keys with their path")
    func errors() throws {
        struct Pair: Codable { var a: Int; var b: [Int] }
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Pair.self, from: ["a": 1]) }
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Pair.self, from: ["a": "x", "b": []]) }
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Pair.self, from: ["a": 1.5, "b": []]) }
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Int8.self, from: 300) }
        do {
            _ = try JSONCoding.decode(Pair.self, from: ["a": 1, "b": [1, "two"]])
            Issue.record("expected an error")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["b", "1"])
        }
    }
}
