public import Evident

/// One row of a projection: its data, or why the select failed for it.
public struct ProjectionRow: Sendable, Hashable {
    /// The row's id: the id of its aggregate of `for_each`.
    public var id: String
    /// The select's value; null when it failed.
    public var data: JSON
    /// Why the select failed for this row (a template on a value of the wrong kind, a budget exceeded).
    public var error: String?

    /// `{"id", "data"}`, and `error` when there is one.
    public var json: JSON {
        var object: [String: JSON] = ["id": .string(id), "data": data]
        if let error { object["error"] = .string(error) }
        return .object(object)
    }
}

/// The rows of a projection in id order (the byte order of the ids' UTF-8, as aggregates are listed): a sorted
/// array of ids beside a dictionary, so a page is a binary search and a walk, never a sort.
struct ProjectionRows {
    private var ids: [String] = []
    private var rows: [String: ProjectionRow] = [:]

    var count: Int { ids.count }

    subscript(id: String) -> ProjectionRow? { rows[id] }

    /// Adds or replaces a row.
    mutating func set(_ row: ProjectionRow) {
        if rows.updateValue(row, forKey: row.id) == nil { ids.insert(row.id, at: index(after: nil, orAt: row.id)) }
    }

    mutating func remove(_ id: String) {
        guard rows.removeValue(forKey: id) != nil else { return }
        ids.remove(at: index(after: nil, orAt: id))
    }

    /// Up to `limit` rows after `after` (from the first when nil) that pass `filter`, and whether rows are left
    /// after the last one returned.
    func page(after: String?, limit: Int, where filter: (ProjectionRow) -> Bool) -> (rows: [ProjectionRow], more: Bool)
    {
        var result: [ProjectionRow] = []
        var position = after.map { index(after: $0, orAt: nil) } ?? 0
        while position < ids.count {
            let row = rows[ids[position]]!
            position += 1
            guard filter(row) else { continue }
            if result.count == limit { return (result, true) }
            result.append(row)
        }
        return (result, false)
    }

    /// The first index whose id comes after `after` (or is not before `at`): a binary search.
    private func index(after: String?, orAt at: String?) -> Int {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) / 2
            let id = ids[middle]
            let goesRight =
                if let after { !after.precedesInListing(id) } else { id.precedesInListing(at!) }
            if goesRight { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
