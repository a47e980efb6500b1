public import Evident
public import Testing

/// Given/when/then tests for a ``Decider``, without a store.
///
/// ```swift
/// let account = DeciderSpecification(BankAccount())
/// account.given([.opened(AccountOpened(owner: "ada"))])
///     .when(.deposit(amount: 50))
///     .then([.deposited(MoneyDeposited(amount: 50))])
/// account.given([]).when(.deposit(amount: 50)).thenThrows(AccountError.self)
/// ```
///
/// Failures are recorded as test issues with a line-by-line difference of the expected and actual events.
public struct DeciderSpecification<D: Decider> {
    /// The decider under test.
    public let decider: D

    public init(_ decider: D) {
        self.decider = decider
    }

    /// The events that already happened.
    public func given(_ events: [D.Event]) -> Given {
        Given(decider: decider, events: events)
    }

    /// The events that already happened, folded into a state.
    public struct Given {
        let decider: D
        let events: [D.Event]

        /// The command to decide.
        public func when(_ command: D.Command) -> When {
            let state = decider.fold(events)
            return When(decider: decider, state: state, outcome: Result { try decider.decide(command, state) })
        }
    }

    /// The outcome of deciding one command.
    public struct When {
        let decider: D
        let state: D.State
        /// The events decided, or the error thrown.
        public let outcome: Result<[D.Event], any Error>

        /// Expects exactly `expected`, in order.
        @discardableResult
        public func then(_ expected: [D.Event], sourceLocation: SourceLocation = #_sourceLocation) -> Self
        where D.Event: Equatable {
            switch outcome {
            case .success(let actual):
                if actual != expected {
                    Issue.record(
                        Comment(rawValue: "The events differ (- expected, + actual):\n" + Diff.lines(expected, actual)),
                        sourceLocation: sourceLocation)
                }
            case .failure(let error):
                Issue.record(
                    Comment(
                        rawValue: "Expected events \(Diff.describe(expected)), but the command was refused: \(error)"),
                    sourceLocation: sourceLocation)
            }
            return self
        }

        /// Expects the state after the events to equal `expected`.
        @discardableResult
        public func then(state expected: D.State, sourceLocation: SourceLocation = #_sourceLocation) -> Self
        where D.State: Equatable {
            switch outcome {
            case .success(let events):
                let actual = events.reduce(state, decider.evolve)
                if actual != expected {
                    Issue.record(
                        Comment(
                            rawValue: "The states differ (- expected, + actual):\n" + Diff.lines([expected], [actual])),
                        sourceLocation: sourceLocation)
                }
            case .failure(let error):
                Issue.record(
                    Comment(rawValue: "Expected a new state, but the command was refused: \(error)"),
                    sourceLocation: sourceLocation)
            }
            return self
        }

        /// Expects the command to be refused with an error of type `E`, and returns it for further checks.
        @discardableResult
        public func thenThrows<E: Error>(_ errorType: E.Type, sourceLocation: SourceLocation = #_sourceLocation) -> E? {
            switch outcome {
            case .success(let events):
                Issue.record(
                    Comment(
                        rawValue:
                            "Expected the command to be refused with \(E.self), but it decided \(Diff.describe(events))"
                    ),
                    sourceLocation: sourceLocation)
                return nil
            case .failure(let error as E):
                return error
            case .failure(let error):
                Issue.record(
                    Comment(
                        rawValue:
                            "Expected the command to be refused with \(E.self), but it threw \(type(of: error)): \(error)"
                    ),
                    sourceLocation: sourceLocation)
                return nil
            }
        }

        /// Expects the command to be refused with exactly `expected`.
        public func thenThrows<E: Error & Equatable>(_ expected: E, sourceLocation: SourceLocation = #_sourceLocation) {
            guard let error = thenThrows(E.self, sourceLocation: sourceLocation) else { return }
            if error != expected {
                Issue.record(
                    Comment(rawValue: "The errors differ (- expected, + actual):\n" + Diff.lines([expected], [error])),
                    sourceLocation: sourceLocation)
            }
        }

        /// Expects the command to be accepted and to change nothing (no events).
        public func thenNothingHappened(sourceLocation: SourceLocation = #_sourceLocation) {
            switch outcome {
            case .success(let events) where events.isEmpty:
                break
            case .success(let events):
                Issue.record(
                    Comment(rawValue: "Expected no events, but the command decided \(Diff.describe(events))"),
                    sourceLocation: sourceLocation)
            case .failure(let error):
                Issue.record(
                    Comment(rawValue: "Expected no events, but the command was refused: \(error)"),
                    sourceLocation: sourceLocation)
            }
        }
    }
}

/// Given/when/then tests for an entity-style ``Aggregate``: the command is a closure calling its methods.
///
/// ```swift
/// AggregateSpecification<Cart>()
///     .given([.itemAdded(ItemAdded(sku: "apple"))])
///     .when { try $0.remove("apple") }
///     .then([.itemRemoved(ItemRemoved(sku: "apple"))])
/// ```
public typealias AggregateSpecification<A: Aggregate> = DeciderSpecification<AggregateDecider<A>>

extension DeciderSpecification {
    /// The specification of an entity-style aggregate.
    public init<A: Aggregate>() where D == AggregateDecider<A> {
        self.init(AggregateDecider<A>())
    }
}
