/// A cache bounded by the total cost of its values (bytes, say): adding past the capacity drops the least
/// recently used entries first. Lookups and insertions take constant time. Not thread-safe: guard it.
struct LRUCache<Key: Hashable, Value> {
    private struct Node {
        var key: Key
        var value: Value
        var cost: Int
        /// Toward the least recently used end.
        var older: Int?
        /// Toward the most recently used end.
        var newer: Int?
    }

    let capacity: Int
    private(set) var totalCost = 0
    /// Nil in a free slot, so a dropped value is released at once.
    private var nodes: [Node?] = []
    private var freeSlots: [Int] = []
    private var slots: [Key: Int] = [:]
    private var oldest: Int?
    private var newest: Int?

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { slots.count }

    /// The value for `key`, which becomes the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let slot = slots[key] else { return nil }
        moveToNewest(slot)
        return nodes[slot]!.value
    }

    /// Stores `value` at `cost`, then drops the least recently used entries until the total fits. A value
    /// costing more than the whole capacity is not kept.
    mutating func set(_ value: Value, cost: Int, for key: Key) {
        remove(key)
        guard cost <= capacity else { return }
        let node = Node(key: key, value: value, cost: cost, older: newest, newer: nil)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            nodes[slot] = node
        } else {
            slot = nodes.count
            nodes.append(node)
        }
        if let newest { nodes[newest]!.newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
        slots[key] = slot
        totalCost += cost
        while totalCost > capacity, let oldest { remove(nodes[oldest]!.key) }
    }

    mutating func remove(_ key: Key) {
        guard let slot = slots.removeValue(forKey: key) else { return }
        unlink(slot)
        totalCost -= nodes[slot]!.cost
        nodes[slot] = nil
        freeSlots.append(slot)
    }

    private mutating func moveToNewest(_ slot: Int) {
        guard newest != slot else { return }
        unlink(slot)
        nodes[slot]!.older = newest
        nodes[slot]!.newer = nil
        if let newest { nodes[newest]!.newer = slot }
        newest = slot
        if oldest == nil { oldest = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let (older, newer) = (nodes[slot]!.older, nodes[slot]!.newer)
        if let older { nodes[older]!.newer = newer } else { oldest = newer }
        if let newer { nodes[newer]!.older = older } else { newest = older }
    }
}
