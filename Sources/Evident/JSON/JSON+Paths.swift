extension JSON {
    /// The value at a path of object keys; nil when the path leads nowhere. Setting it replaces the value, and
    /// does nothing when the path leads nowhere.
    public subscript(path path: [String]) -> JSON? {
        get {
            path.reduce(Optional(self)) { value, key in value?[key] }
        }
        set {
            guard let first = path.first, case .object(var object) = self, var child = object[first] else { return }
            // Let go of the values held here, so that the object and the child are changed in place, not copied.
            self = .null
            object[first] = .null
            if path.count == 1 {
                if let newValue { child = newValue }
            } else {
                child[path: Array(path.dropFirst())] = newValue
            }
            object[first] = child
            self = .object(object)
        }
    }
}
