import ArgumentParser
import Evident
import EvidentEngine
import Foundation

struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Forget a data subject: destroy their key, so their personal values read as forgotten.",
        discussion: """
            Appends a receipt to $privacy:receipts and prints it. Exits with 2, changing nothing, when no personal \
            data of the subject is stored or it was forgotten already. See docs/privacy.md.

            Example: evident forget customer:42 --reason "erasure request #12"
            """)

    @OptionGroup var store: StoreOptions

    @Argument(help: ArgumentHelp("The data subject's id, as the spec's data_subject gives it.", valueName: "subject"))
    var subject: String

    @Option(help: "Why, for the receipt (at most 1,000 characters).")
    var reason: String?

    func run() async throws {
        let receipt = try await store.withStore(creating: false) { store in
            try await SpecEngine(store: store).forget(subject: subject, reason: reason)
        }
        guard let receipt else {
            FileHandle.standardError.write(
                Data("No personal data of subject '\(subject)' is stored, or it was forgotten already.\n".utf8))
            throw ExitCode(2)
        }
        if store.json {
            var object = receipt.json.object ?? [:]
            object["position"] = .int(Int(receipt.event?.position ?? 0))
            Output.line(.object(object))
        } else {
            Output.line(
                "Forgot subject \(receipt.subjectHash.prefix(12))…: \(receipt.events) events in "
                    + "\(receipt.streams.count) streams (\(receipt.streams.map(\.description).joined(separator: ", "))); "
                    + "receipt at position \(receipt.event?.position ?? 0) of \(PrivacyEventStore.receiptsStream).")
        }
    }
}
