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

    /// The URL of the cluster's streaming replica (`EVIDENT_TEST_POSTGRES_REPLICA`), without a schema.
    public static func replicaURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["EVIDENT_TEST_POSTGRES_REPLICA"], !url.isEmpty else {
            throw MissingServer()
        }
        return url
    }

    /// A URL for a schema no other test uses; `statementTimeout` in seconds.
    public static func freshURL(prefix: String = "t", statementTimeout: Double = 120) throws -> String {
        try url() + query(schema: freshSchema(prefix: prefix), statementTimeout: statementTimeout)
    }

    /// URLs of the primary and of its replica, for one schema no other test uses.
    public static func freshURLs(prefix: String = "t") throws -> (primary: String, replica: String) {
        let query = query(schema: freshSchema(prefix: prefix))
        return (try url() + query, try replicaURL() + query)
    }

    /// The schema, and timeouts no busy test machine reaches (the store's deadlines are wall-clock times, and
    /// a test process running hundreds of tests on two cores can leave a task waiting for many seconds).
    private static func query(schema: String, statementTimeout: Double = 120) -> String {
        "?schema=\(schema)&connect_timeout=60&statement_timeout=\(statementTimeout)"
    }

    private static func freshSchema(prefix: String) -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    struct MissingServer: Error, CustomStringConvertible {
        var description: String {
            "EVIDENT_TEST_POSTGRES or EVIDENT_TEST_POSTGRES_REPLICA is not set: run scripts/test.sh, which starts "
                + "a throwaway PostgreSQL cluster and its replica, or set EVIDENT_SKIP_POSTGRES=1 to skip the "
                + "PostgreSQL tests."
        }
    }
}
