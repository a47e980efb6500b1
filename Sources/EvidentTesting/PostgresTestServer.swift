import Foundation

/// The PostgreSQL server of the test run: `scripts/test.sh` starts a throwaway cluster and passes its URL in
/// `EVIDENT_TEST_POSTGRES`. Each test takes a fresh schema of its own with ``freshURL(prefix:)``.
///
/// Without the variable, PostgreSQL tests fail with a message that says what to do, unless
/// `EVIDENT_SKIP_POSTGRES=1` skips them (`.enabled(if: PostgresTestServer.isEnabled)`).
public enum PostgresTestServer {
    /// Whether PostgreSQL tests run (they do unless `EVIDENT_SKIP_POSTGRES=1`).
    public static let isEnabled = ProcessInfo.processInfo.environment["EVIDENT_SKIP_POSTGRES"] != "1"

    /// The cluster's URL, without a schema.
    public static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["EVIDENT_TEST_POSTGRES"], !url.isEmpty else {
            throw MissingServer()
        }
        return url
    }

    /// A URL for a schema no other test uses.
    public static func freshURL(prefix: String = "t") throws -> String {
        let suffix = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return try url() + "?schema=\(prefix)_\(suffix)"
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "EVIDENT_TEST_POSTGRES is not set: run scripts/test.sh, which starts a throwaway PostgreSQL cluster, "
                + "or set EVIDENT_SKIP_POSTGRES=1 to skip the PostgreSQL tests."
        }
    }
}
