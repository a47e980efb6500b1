import Testing

@testable import EvidentEngine

@Suite("LRUCache")
struct LRUCacheTests {
    @Test("drops the least recently used entries once the total cost passes the capacity")
    func eviction() {
        var cache = LRUCache<String, Int>(capacity: 10)
        cache.set(1, cost: 4, for: "a")
        cache.set(2, cost: 4, for: "b")
        #expect(cache.value(for: "a") == 1)  // "a" is now the most recently used
        cache.set(3, cost: 4, for: "c")  // 12 > 10: "b" goes
        #expect(cache.value(for: "b") == nil)
        #expect(cache.value(for: "a") == 1)
        #expect(cache.value(for: "c") == 3)
        #expect(cache.totalCost == 8)
        cache.set(4, cost: 10, for: "d")  // only "d" fits
        #expect(cache.count == 1)
        #expect(cache.totalCost == 10)
        cache.set(5, cost: 11, for: "e")  // larger than the whole cache: not kept, nothing else dropped
        #expect(cache.value(for: "e") == nil)
        #expect(cache.value(for: "d") == 4)
    }

    @Test("agrees with a plain model over a long random run")
    func model() {
        var cache = LRUCache<Int, Int>(capacity: 50)
        var model: [(key: Int, value: Int, cost: Int)] = []  // least recently used first
        var generator = SystemRandomNumberGenerator()
        for step in 0..<5_000 {
            let key = Int.random(in: 0..<20, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let cost = Int.random(in: 1...12, using: &generator)
                cache.set(step, cost: cost, for: key)
                model.removeAll { $0.key == key }
                model.append((key, step, cost))
                while model.reduce(0, { $0 + $1.cost }) > 50 { model.removeFirst() }
            case 1:
                let expected = model.firstIndex { $0.key == key }.map { model.remove(at: $0) }
                if let expected { model.append(expected) }
                #expect(cache.value(for: key) == expected?.value)
            default:
                cache.remove(key)
                model.removeAll { $0.key == key }
            }
            #expect(cache.count == model.count)
            #expect(cache.totalCost == model.reduce(0) { $0 + $1.cost })
        }
    }
}
