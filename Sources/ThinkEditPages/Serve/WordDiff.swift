/// What changed between two instructions, word by word: the longest common subsequence of their
/// words is kept, the rest of the old text is removed and the rest of the new text inserted.
/// Words are runs of non-space characters; the spacing between them is not compared.
enum WordDiff {
    package enum Piece: Sendable, Hashable {
        case same(String)
        case removed(String)
        case inserted(String)
    }

    /// Instructions longer than this many words are shown as a whole replacement: the table is
    /// quadratic in the word counts.
    static let maxWords = 2000

    static func diff(_ old: String, _ new: String) -> [Piece] {
        let a = old.split(whereSeparator: \.isWhitespace).map(String.init)
        let b = new.split(whereSeparator: \.isWhitespace).map(String.init)
        guard a.count <= maxWords, b.count <= maxWords else {
            return a.map(Piece.removed) + b.map(Piece.inserted)
        }
        // lcs[i][j]: the common subsequence length of a[i...] and b[j...].
        var lcs = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [Piece] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                out.append(.same(a[i])); i += 1; j += 1
            } else if i < a.count, j == b.count || lcs[i + 1][j] >= lcs[i][j + 1] {
                // Removals first where both would do: "<del>make</del> <ins>paint</ins>" reads in order.
                out.append(.removed(a[i])); i += 1
            } else {
                out.append(.inserted(b[j])); j += 1
            }
        }
        return out
    }
}
