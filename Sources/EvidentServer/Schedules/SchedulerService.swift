public import EvidentEngine
public import ServiceLifecycle

/// Runs an engine's ``Scheduler`` as a service of `evident serve`, until graceful shutdown: every node runs one,
/// and each schedule is still fired once.
public struct SchedulerService: Service {
    public let scheduler: Scheduler

    public init(engine: SpecEngine) {
        scheduler = Scheduler(engine: engine)
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await scheduler.run() }
    }
}
