import Evident

// A small counter aggregate the contracts run through a Repository. Its state is order-sensitive (a checksum
// over every event), so a snapshot that skips or repeats an event shows.

struct Added: DomainEvent {
    static let eventType = "contract_added"
    var amount: Int
}

struct Removed: DomainEvent {
    static let eventType = "contract_removed"
    var amount: Int
}

struct Renamed: DomainEvent {
    static let eventType = "contract_renamed"
    var name: String
}

enum TallyEvent: EventFamily, Equatable {
    case added(Added)
    case removed(Removed)
    case renamed(Renamed)

    static let registry = EventRegistry<TallyEvent>()
        .register(Added.self, as: TallyEvent.added)
        .register(Removed.self, as: TallyEvent.removed)
        .register(Renamed.self, as: TallyEvent.renamed)

    var payload: any DomainEvent {
        switch self {
        case .added(let event): event
        case .removed(let event): event
        case .renamed(let event): event
        }
    }
}

extension Added: Equatable {}
extension Removed: Equatable {}
extension Renamed: Equatable {}

struct TallyState: Codable, Equatable, Sendable {
    var total = 0
    var name = ""
    var events = 0
    /// Kept as `Int`: ``JSON`` holds 64-bit signed integers, so a `UInt64` above `Int.max` would not round-trip.
    var checksum = 0
}

enum TallyCommand: Sendable {
    case apply([TallyEvent])
}

struct Tally: Decider {
    var initialState: TallyState { TallyState() }

    func decide(_ command: TallyCommand, _ state: TallyState) throws -> [TallyEvent] {
        switch command {
        case .apply(let events): events
        }
    }

    func evolve(_ state: TallyState, _ event: TallyEvent) -> TallyState {
        var state = state
        let code: UInt64
        switch event {
        case .added(let added):
            state.total += added.amount
            code = UInt64(truncatingIfNeeded: added.amount) &* 3
        case .removed(let removed):
            state.total -= removed.amount
            code = UInt64(truncatingIfNeeded: removed.amount) &* 5
        case .renamed(let renamed):
            state.name = renamed.name
            code = UInt64(truncatingIfNeeded: renamed.name.utf8.count) &* 7
        }
        state.events += 1
        let mixed = (UInt64(bitPattern: Int64(state.checksum)) ^ (code &+ UInt64(state.events))) &* 1_099_511_628_211
        state.checksum = Int(truncatingIfNeeded: mixed)
        return state
    }
}

/// A seeded random number generator (SplitMix64), so a failing property prints a seed that reproduces it.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension TallyEvent {
    static func random(using generator: inout SeededGenerator) -> TallyEvent {
        switch Int.random(in: 0..<10, using: &generator) {
        case 0..<5: .added(Added(amount: Int.random(in: -1_000...1_000, using: &generator)))
        case 5..<9: .removed(Removed(amount: Int.random(in: 0...1_000, using: &generator)))
        default: .renamed(Renamed(name: String(repeating: "n", count: Int.random(in: 0...12, using: &generator))))
        }
    }
}
