import ArgumentParser
import Evident
import Foundation

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Keys for signed checkpoints of the log's hash chain (see docs/audit.md).",
        subcommands: [KeyGen.self])

    struct KeyGen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keygen",
            abstract: "Make an Ed25519 signing key for `serve --signing-key`; print its public key.",
            discussion: "Example: evident audit keygen --out signing.key > public.key")

        @Option(
            help: ArgumentHelp(
                "Where to write the private key (created with mode 0600; never overwritten).", valueName: "file"))
        var out: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out) else {
                throw ValidationError("\(out) exists; choose another file (a signing key is never overwritten).")
            }
            let key = SigningKey()
            guard
                FileManager.default.createFile(
                    atPath: out, contents: Data((key.text + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else {
                throw ValidationError("Cannot write \(out).")
            }
            Output.line(Data(key.publicKey).base64EncodedString())
        }
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the log's hash chain, and signed checkpoints or a saved signed head.",
        discussion: """
            Prints `verified N events, head P hash H` and exits with 0, or `tampered at position P: REASON` and \
            exits with 2. See docs/audit.md.

            Example: evident verify --public-key public.key --signed-head head.json
            """)

    @OptionGroup var store: StoreLocationOptions

    @Option(
        help: ArgumentHelp(
            "The signing key's public key (base64, as `audit keygen` prints it): every checkpoint in the log must be signed by it, and the chain must pass through each.",
            valueName: "file"))
    var publicKey: String?

    @Option(
        help: ArgumentHelp(
            "A signed head saved earlier (the JSON of GET /_audit/head): the log must still reach it, with the same hash.",
            valueName: "file"))
    var signedHead: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        let trusted = try publicKey.map { file in
            guard let text = Self.read(file),
                let key = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
                key.count == 32
            else {
                throw ValidationError(
                    "\(file) is not a public key (the base64 of 32 bytes that `audit keygen` prints).")
            }
            return Array(key)
        }
        let saved = try signedHead.map { file in
            guard let text = Self.read(file), let head = try? JSON(parsing: text),
                let checkpoint = try? SignedCheckpoint(json: head)
            else {
                throw ValidationError("\(file) is not a signed head (the JSON of GET /_audit/head).")
            }
            return checkpoint
        }
        let progress = ProgressLine("Verified", shown: !json)
        let result = try await store.resolve().withStore(creating: false) { opened in
            var known: [LogVerifier.KnownHead] = []
            if let saved {
                guard saved.isValid(trusting: trusted) else {
                    return Result<LogVerifier.Verified, LogVerifier.Tampering>.failure(
                        .init(position: saved.position, reason: "the saved signed head's signature does not hold"))
                }
                known.append(LogVerifier.KnownHead(position: saved.position, hash: saved.hash))
            }
            if let trusted {
                switch try await LogVerifier.signedHeads(in: opened.copyable, publicKey: trusted) {
                case .success(let heads): known += heads
                case .failure(let tampering): return .failure(tampering)
                }
            }
            return try await LogVerifier.verify(opened.copyable, known: known, progress: progress.update)
        }
        progress.finish()
        switch result {
        case .success(let verified):
            if json {
                Output.line([
                    "verified": .int(verified.events), "head": .int(Int(verified.head)),
                    "hash": .string(LogChain.hex(verified.hash)),
                ])
            } else {
                Output.line(
                    "verified \(verified.events) events, head \(verified.head) hash \(LogChain.hex(verified.hash))")
            }
        case .failure(let tampering):
            if json {
                Output.line(["tampered": .int(Int(tampering.position)), "reason": .string(tampering.reason)])
            } else {
                Output.line(tampering.description)
            }
            throw ExitCode(2)
        }
    }

    private static func read(_ file: String) -> String? {
        FileManager.default.contents(atPath: file).flatMap { String(data: $0, encoding: .utf8) }
    }
}
