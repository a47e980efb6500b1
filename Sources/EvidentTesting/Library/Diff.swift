/// Readable differences between expected and actual values, for test failure messages.
enum Diff {
    /// One line per value: `  ` for those in both, `- ` for expected only, `+ ` for actual only (a longest
    /// common subsequence of their descriptions).
    static func lines<T>(_ expected: [T], _ actual: [T]) -> String {
        let a = expected.map { String(describing: $0) }
        let b = actual.map { String(describing: $0) }
        var lengths = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i][j] = a[i] == b[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var output: [String] = []
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                output.append("  " + a[i]); i += 1; j += 1
            } else if j < b.count, i == a.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                output.append("+ " + b[j]); j += 1
            } else {
                output.append("- " + a[i]); i += 1
            }
        }
        if a.isEmpty && b.isEmpty { output.append("  (no events)") }
        return output.joined(separator: "\n")
    }

    static func describe<T>(_ values: [T]) -> String {
        values.isEmpty ? "no events" : "[" + values.map { String(describing: $0) }.joined(separator: ", ") + "]"
    }
}
