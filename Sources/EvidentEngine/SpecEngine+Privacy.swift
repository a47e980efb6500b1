public import Evident

extension SpecEngine {
    /// The store that encrypts personal data, when ``store`` is one.
    private var privacy: PrivacyEventStore {
        get throws {
            guard let store = store as? PrivacyEventStore else {
                throw EngineError(
                    .privacyUnavailable,
                    "This engine's store does not encrypt personal data (open it through a PrivacyEventStore).")
            }
            return store
        }
    }

    /// Forgets a data subject (``PrivacyEventStore/forget(subject:reason:)``) and drops the cached states that
    /// held their values; other engines on the store drop theirs within ``EngineConfiguration/specRefreshInterval``
    /// of the receipt. Nil when the subject is unknown or was forgotten already.
    public func forget(subject: String, reason: String?) async throws -> ForgettingReceipt? {
        let receipt = try await privacy.forget(subject: subject, reason: reason)
        if let receipt { states.drop(receipt.streams) }
        return receipt
    }

    /// What the store knows of a data subject.
    public func status(ofSubject subject: String) async throws -> SubjectStatus {
        try await privacy.status(ofSubject: subject)
    }
}
