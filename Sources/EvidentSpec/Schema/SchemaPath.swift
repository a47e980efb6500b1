import Evident

/// One step of a path into a JSON value: an object member or an array element.
enum PathComponent: Sendable, Hashable {
    case key(String)
    case index(Int)
}

extension [PathComponent] {
    /// Renders the path after `root`: `data.items[2].qty`; the first key is written without a dot when
    /// `root` is empty (`properties.total`).
    func rendered(root: String) -> String {
        var result = root
        for component in self {
            switch component {
            case .index(let index):
                result += "[\(index)]"
            case .key(let key):
                if !key.isEmpty,
                    key.unicodeScalars.allSatisfy({
                        $0.isASCIILetter || $0.isASCIIDigit || "_-$".unicodeScalars.contains($0)
                    })
                {
                    result += result.isEmpty ? key : "." + key
                } else {
                    result += "[" + JSON.string(key).serializedString() + "]"
                }
            }
        }
        return result
    }
}
