import EvidentSpec
import Testing

@Suite("Identifiers")
struct IdentifierTests {
    @Test func uuidsV4AndV5AreNormalizedToLowerCase() throws {
        #expect(
            try Identifiers.normalize("7F3C2A10-5B7E-4C1D-9A2B-0C3D4E5F6A7B") == "7f3c2a10-5b7e-4c1d-9a2b-0c3d4e5f6a7b")
        #expect(
            try Identifiers.normalize("886313e1-3b8a-5372-9b90-0c9aee199e5d") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    }

    @Test func otherUUIDVersionsAndVariantsAreMalformed() {
        #expect(Identifiers.problem(with: "c232ab00-9414-11ec-b3c8-9f6bdeced846")?.contains("version 1") == true)
        #expect(Identifiers.problem(with: "7f3c2a10-5b7e-4c1d-ca2b-0c3d4e5f6a7b")?.contains("variant") == true)
        #expect(Identifiers.problem(with: "7f3c2a10-5b7e-4c1d-9a2b-0c3d4e5f6a7g") != nil)
    }

    @Test func crockfordBase32CodesOfNineCharacters() throws {
        #expect(try Identifiers.normalize("01HZX3K9M") == "01hzx3k9m")
        #expect(Identifiers.problem(with: "01HZX3K9U")?.contains("'U'") == true)
        #expect(Identifiers.problem(with: "01HZX3K9") != nil)
    }

    @Test func singletons() throws {
        #expect(try Identifiers.normalize("global") == "global")
        #expect(try Identifiers.normalize("twilio_webhook", singletons: ["twilio_webhook"]) == "twilio_webhook")
        #expect(Identifiers.problem(with: "twilio_webhook")?.contains("singleton (global)") == true)
    }

    @Test func uuidsWithATag() throws {
        #expect(
            try Identifiers.normalize("7F3C2A10-5B7E-4C1D-9A2B-0C3D4E5F6A7B:2026")
                == "7f3c2a10-5b7e-4c1d-9a2b-0c3d4e5f6a7b:2026")
        #expect(Identifiers.problem(with: "7f3c2a10-5b7e-4c1d-9a2b-0c3d4e5f6a7b:")?.contains("tag") == true)
        #expect(Identifiers.problem(with: "7f3c2a10-5b7e-4c1d-9a2b-0c3d4e5f6a7b:a b") != nil)
        #expect(Identifiers.problem(with: "42:2026") != nil)
    }

    @Test func anythingElseIsMalformedWithAReason() throws {
        for id in ["", "42", "GLOBAL", "order 1"] {
            let error = #expect(throws: SpecError.self) { try Identifiers.normalize(id) }
            #expect(error?.code == .malformedIdentifier)
        }
    }
}
