import ArgumentParser
import Evident
import Foundation

/// Where the store is: `--store URL`, `--db PATH`, or the environment variable `EVIDENT_STORE`.
struct StoreLocationOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Where the events are: sqlite:PATH or a plain path for a SQLite file, or "
                + "postgres://user:password@host:port/database (or postgresql://…, with optional "
                + "?host=/socket/dir, sslmode= and schema=) for PostgreSQL. [env: EVIDENT_STORE] "
                + "(default: ./evident.sqlite)",
            valueName: "url"))
    var store: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The SQLite database file, as --store sqlite:PATH. A path that cannot be one (a directory, a device "
                + "such as /dev/null, a file in a missing directory) exits with 64 and creates nothing; a file that "
                + "is not an Evident database exits with 1 and is left unchanged.",
            valueName: "path"))
    var db: String?

    @Option(
        name: .customLong("master-key-file"),
        help: ArgumentHelp(
            "A file holding the master key that wraps every data subject's key (32 bytes as 64 hex digits or "
                + "base64; make one with `openssl rand -hex 32`). Keep it apart from the database and its backups. "
                + "[env: EVIDENT_MASTER_KEY_FILE, or the key itself in EVIDENT_MASTER_KEY]",
            valueName: "path"))
    var masterKeyFile: String?

    /// Refuses a bad URL, --db with --store, and an unreadable master key, before anything is opened or stored.
    func validate() throws {
        _ = try resolve()
        _ = try masterKey()
    }

    /// The master key the flag or the environment gives; nil when none does.
    func masterKey() throws -> MasterKey? {
        let environment = ProcessInfo.processInfo.environment
        let file = masterKeyFile ?? environment["EVIDENT_MASTER_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let text: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file),
                let contents = String(data: data, encoding: .utf8)
            else {
                throw ValidationError("Cannot read the master key file \(file).")
            }
            text = contents
        } else if let key = environment["EVIDENT_MASTER_KEY"], !key.isEmpty {
            text = key
        } else {
            return nil
        }
        do {
            return try MasterKey(text: text)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The store the flags name, else `EVIDENT_STORE` (and `dbVariable`, a SQLite path), else the default.
    func resolve(dbVariable: String? = nil) throws -> StoreLocation {
        try StoreLocation.resolve(
            store: store, db: db, environment: ProcessInfo.processInfo.environment, dbVariable: dbVariable)
    }
}

/// The options every store command shares.
struct StoreOptions: ParsableArguments {
    @OptionGroup var location: StoreLocationOptions

    @Flag(name: .long, help: "Print one JSON object per line instead of text.")
    var json = false

    /// Refuses arguments that are not valid UTF-8 before anything is opened or stored.
    func validate() throws {
        try CommandLineInput.checkArgumentsAreUTF8()
    }

    /// Opens the store, lends it to `body` and closes it; commands that only read refuse to create a missing
    /// file.
    func withStore<T>(creating: Bool, _ body: (any EventStore) async throws -> T) async throws -> T {
        let masterKey = try location.masterKey()
        return try await location.resolve().withStore(creating: creating) {
            try await body($0.privacy(masterKey: masterKey))
        }
    }
}

extension ExpectedVersion {
    /// Parses `--expected-version`: `any`, `no-stream`, `exists`, or a length of 0 or more.
    init(argument: String) throws {
        switch argument {
        case "any": self = .any
        case "no-stream": self = .noStream
        case "exists": self = .streamExists
        default:
            guard let length = Int(argument), length >= 0 else {
                throw ValidationError("expected any, no-stream, exists, or a length of 0 or more")
            }
            self = .exact(length)
        }
    }
}

extension EntityReference {
    /// Parses `TYPE:ID` references such as `--actor user:42`.
    init(argument: String) throws {
        let parts = argument.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("expected type:id, such as user:42")
        }
        self.init(type: String(parts[0]), id: String(parts[1]))
    }
}

/// Writes lines to standard output.
enum Output {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func line(_ json: JSON) {
        var bytes = json.serialized()
        bytes.append(0x0A)
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// One line of text for an event.
    static func text(_ event: RecordedEvent, showStream: Bool) -> String {
        let stream = showStream ? "\(event.stream) " : ""
        return "\(event.position)  \(stream)v\(event.version)  \(event.recordedAt.iso8601Milliseconds)  "
            + "\(event.type)  \(event.data.serializedString())"
    }
}
