import Evident
import EvidentTesting
import Testing

@Suite("Given/when/then kit")
struct TestingKitTests {
    let counter = DeciderSpecification(Counter(maximum: 10))

    @Test("then, thenThrows and thenNothingHappened pass on the right outcome")
    func passing() {
        counter.given([.incremented(Incremented(by: 4))]).when(.increment(3))
            .then([.incremented(Incremented(by: 3))])
            .then(state: 7)
        counter.given([]).when(.decrement(1)).thenThrows(CounterError(message: "below zero"))
        let error = counter.given([]).when(.increment(11)).thenThrows(CounterError.self)
        #expect(error?.message == "over 10")
        counter.given([.incremented(Incremented(by: 4))]).when(.increment(0)).thenNothingHappened()
    }

    @Test("aggregates use the same kit, with the command as a closure")
    func aggregate() {
        let todo = AggregateSpecification<TodoList>()
        todo.given([.added(TaskAdded(title: "a"))]).when { try $0.complete("a") }.then([.done(TaskDone(title: "a"))])
        todo.given([]).when { try $0.complete("a") }.thenThrows(TodoError(title: "a"))
    }

    @Test("a wrong expectation fails with a line-by-line difference")
    func failureShowsDifference() {
        withKnownIssue {
            counter.given([]).when(.increment(3)).then([.incremented(Incremented(by: 4))])
        } matching: { issue in
            let text = issue.comments.map(\.rawValue).joined()
            return text.contains("- incremented(") && text.contains("by: 4") && text.contains("+ incremented(")
                && text.contains("by: 3")
        }
        withKnownIssue {
            counter.given([]).when(.increment(3)).thenNothingHappened()
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("Expected no events, but the command decided")
        }
        withKnownIssue {
            counter.given([]).when(.decrement(3)).then([])
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("refused: CounterError")
        }
        withKnownIssue {
            counter.given([]).when(.increment(1)).thenThrows(CounterError.self)
        } matching: { issue in
            issue.comments.map(\.rawValue).joined().contains("Expected the command to be refused with CounterError")
        }
    }
}
