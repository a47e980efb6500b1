import Foundation
import Testing

/// A few threads of their own for the tests of this target, which block while they wait for child processes and
/// sockets. Blocking one of Swift concurrency's threads (two on a 2-core machine) would stall every other test of
/// the process meanwhile, long enough for their database connections to time out; blocking one of these stalls
/// only the tests that run here. There are a few, not one per test, so that no more than a few processes of the
/// tests run at once on a small machine.
final class BlockingThreads: TaskExecutor, @unchecked Sendable {
    static let shared = BlockingThreads(count: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))

    // `condition` guards `jobs`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    private init(count: Int) {
        for index in 0..<count {
            let thread = Thread { [self] in work() }
            thread.name = "blocking tests \(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs a suite's tests, or a test, on ``BlockingThreads``: their blocking waits leave Swift concurrency's
/// threads to the rest of the tests. Issues are recorded as usual, on the test's own task.
struct OnBlockingThreads: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(BlockingThreads.shared, operation: function)
    }
}

extension Trait where Self == OnBlockingThreads {
    /// See ``OnBlockingThreads``.
    static var onBlockingThreads: Self { Self() }
}
