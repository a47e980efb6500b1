import Evident
import EvidentTesting
import Synchronization

// A small domain for the library tests: a counter decider and a to-do list aggregate.

struct Incremented: DomainEvent, Equatable {
    static let eventType = "was_incremented"
    var by: Int
}

struct Decremented: DomainEvent, Equatable {
    static let eventType = "was_decremented"
    var by: Int
}

enum CounterEvent: EventFamily, Equatable {
    case incremented(Incremented)
    case decremented(Decremented)

    static let registry = EventRegistry<CounterEvent>()
        .register(Incremented.self, as: CounterEvent.incremented)
        .register(Decremented.self, as: CounterEvent.decremented)

    var payload: any DomainEvent {
        switch self {
        case .incremented(let event): event
        case .decremented(let event): event
        }
    }
}

enum CounterCommand: Sendable {
    case increment(Int)
    case decrement(Int)
}

struct CounterError: Error, Equatable {
    var message: String
}

struct Counter: Decider {
    var maximum = 100

    var initialState: Int { 0 }

    func decide(_ command: CounterCommand, _ state: Int) throws -> [CounterEvent] {
        switch command {
        case .increment(0), .decrement(0): return []
        case .increment(let by):
            guard state + by <= maximum else { throw CounterError(message: "over \(maximum)") }
            return [.incremented(Incremented(by: by))]
        case .decrement(let by):
            guard state - by >= 0 else { throw CounterError(message: "below zero") }
            return [.decremented(Decremented(by: by))]
        }
    }

    func evolve(_ state: Int, _ event: CounterEvent) -> Int {
        switch event {
        case .incremented(let event): state + event.by
        case .decremented(let event): state - event.by
        }
    }
}

struct TaskAdded: DomainEvent, Equatable {
    static let eventType = "task_was_added"
    var title: String
}

struct TaskDone: DomainEvent, Equatable {
    static let eventType = "task_was_done"
    var title: String
}

enum TodoEvent: EventFamily, Equatable {
    case added(TaskAdded)
    case done(TaskDone)

    static let registry = EventRegistry<TodoEvent>()
        .register(TaskAdded.self, as: TodoEvent.added)
        .register(TaskDone.self, as: TodoEvent.done)

    var payload: any DomainEvent {
        switch self {
        case .added(let event): event
        case .done(let event): event
        }
    }
}

struct TodoError: Error, Equatable {
    var title: String
}

/// An entity-style aggregate.
struct TodoList: Aggregate, Equatable, Codable {
    var open: [String] = []
    var done: [String] = []
    var pendingEvents: [TodoEvent] = []

    enum CodingKeys: String, CodingKey { case open, done }

    mutating func add(_ title: String) throws {
        guard !open.contains(title) else { throw TodoError(title: title) }
        record(.added(TaskAdded(title: title)))
    }

    mutating func complete(_ title: String) throws {
        guard open.contains(title) else { throw TodoError(title: title) }
        record(.done(TaskDone(title: title)))
    }

    mutating func apply(_ event: TodoEvent) {
        switch event {
        case .added(let event): open.append(event.title)
        case .done(let event):
            open.removeAll { $0 == event.title }
            done.append(event.title)
        }
    }
}

extension InterruptedStore {
    /// A store where another writer appends an increment right before each of the first `interruptions`
    /// appends, to provoke version conflicts.
    convenience init(interruptions: Int) {
        let count = Mutex(0)
        self.init { appends, base in
            let interrupt = count.withLock { count in
                count += 1
                return count <= interruptions
            }
            if interrupt, let stream = appends.first?.stream {
                try await base.append([CounterEvent.incremented(Incremented(by: 1)).newEvent()], to: stream)
            }
        }
    }
}
