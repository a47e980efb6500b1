import Testing

@testable import EvidentServer

@Suite("Canonical paths")
struct CanonicalPathTests {
    @Test(arguments: [
        "/", "/_keys", "/_keys/0123456789ab", "/cart/5f0c2a64-8d7e-4b7b-9a51-3c2f8e1d0a11/was_opened", "/a.b/...",
        "/.x/x.",
    ])
    func accepted(_ path: String) {
        #expect(EvidentMiddleware.isCanonical(path))
    }

    @Test(arguments: [
        "", "_keys", "//_keys", "/_keys/", "/_spec/", "/./_keys", "/../_keys", "/_keys/.", "/_keys/..", "/%5Fkeys",
        "/cart//was_opened", "/cart/%2F", "///",
    ])
    func refused(_ path: String) {
        #expect(!EvidentMiddleware.isCanonical(path))
    }
}
