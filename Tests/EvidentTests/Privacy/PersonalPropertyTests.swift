import Evident
import Testing

@Suite("@Personal and @DataSubject")
struct PersonalPropertyTests {
    struct CustomerRegistered: DomainEvent {
        static let eventType = "customer_registered"
        @DataSubject var customerID: String
        @Personal var email: String?
        @Personal var name: String?
        var address: Address
        var plan: String
    }

    struct Address: Codable, Sendable {
        @Personal var street: String?
        var city: String
    }

    struct Tagged: DomainEvent {
        static let eventType = "was_tagged"
        var tags: [Tag]
    }

    struct Tag: Codable, Sendable {
        @Personal var label: String?
    }

    struct Anonymous: DomainEvent {
        static let eventType = "was_anonymous"
        @Personal var email: String?
    }

    enum Event: EventFamily {
        case registered(CustomerRegistered)
        case tagged(Tagged)
        case anonymous(Anonymous)

        static let registry = EventRegistry<Event>()
            .register(CustomerRegistered.self, as: Event.registered)
            .register(Tagged.self, as: Event.tagged)
            .register(Anonymous.self, as: Event.anonymous)

        var payload: any DomainEvent {
            switch self {
            case .registered(let event): event
            case .tagged(let event): event
            case .anonymous(let event): event
            }
        }
    }

    @Test("the wrappers name the personal values and their subject; forgotten values decode")
    func roundTrip() async throws {
        let event = CustomerRegistered(
            customerID: "customer-42", email: "ada@example.com", name: "Ada",
            address: Address(street: "1 Main St", city: "Oslo"),
            plan: "pro")
        let new = try Event.registry.encode(.registered(event))
        #expect(new.personalData?.subject == "customer-42")
        #expect(
            Set(new.personalData?.fields.map { $0.displayPath } ?? [])
                == ["data.email", "data.name", "data.address.street"])

        let store = PrivacyEventStore(InMemoryEventStore())
        let stream = try StreamName("customer:42")
        try await store.append([new], to: stream)
        #expect(try await store.base.readStream(stream)[0].data["email"] != "ada@example.com")
        guard
            case .registered(let read) = try Event.registry.decode(
                type: new.type, data: try await store.readStream(stream)[0].data)
        else { throw EventCodingError(code: .unknownEventType, message: "not decoded", eventType: new.type) }
        #expect(read.email == "ada@example.com" && read.name == "Ada" && read.address.street == "1 Main St")

        _ = try await store.forget(subject: "customer-42")
        guard
            case .registered(let forgotten) = try Event.registry.decode(
                type: new.type, data: try await store.readStream(stream)[0].data)
        else { throw EventCodingError(code: .unknownEventType, message: "not decoded", eventType: new.type) }
        #expect(forgotten.email == nil && forgotten.name == nil && forgotten.address.street == nil)
        #expect(forgotten.address.city == "Oslo" && forgotten.plan == "pro" && forgotten.customerID == "customer-42")
    }

    @Test("personal values in arrays, or without a subject, are refused rather than stored in clear")
    func refusals() throws {
        #expect(throws: EventCodingError.self) { try Event.registry.encode(.tagged(Tagged(tags: [Tag(label: "vip")]))) }
        #expect(throws: EventCodingError.self) { try Event.registry.encode(.anonymous(Anonymous(email: "a@b.c"))) }
    }
}
