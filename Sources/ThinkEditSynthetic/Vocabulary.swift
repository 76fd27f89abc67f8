/// The nouns and adjectives of the synthetic world. Every scene is built from them, every
/// instruction names them, and the parser reads them back, so one list serves all three.

/// The kinds of flat shapes a scene holds.
package enum ShapeKind: String, Codable, Sendable, Hashable, CaseIterable {
    case circle, square, triangle, diamond, cross

    /// Words a user may write for the kind.
    var words: [String] {
        switch self {
        case .circle: ["circle", "circles", "disc", "disk", "dot", "ball"]
        case .square: ["square", "squares", "box", "block"]
        case .triangle: ["triangle", "triangles"]
        case .diamond: ["diamond", "diamonds", "rhombus"]
        case .cross: ["cross", "crosses", "plus"]
        }
    }
}

/// The colours a shape may have. They are far apart in RGB (and from every backdrop), so a pixel
/// can be told apart from its neighbours even after JPEG coding.
package enum ShapeColor: String, Codable, Sendable, Hashable, CaseIterable {
    case red, orange, yellow, green, blue, purple, pink, black

    var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .red: (214, 39, 40)
        case .orange: (247, 139, 20)
        case .yellow: (240, 212, 36)
        case .green: (34, 150, 58)
        case .blue: (36, 76, 214)
        case .purple: (128, 52, 176)
        case .pink: (240, 118, 182)
        case .black: (28, 28, 28)
        }
    }

    var words: [String] {
        switch self {
        case .purple: ["purple", "violet"]
        default: [rawValue]
        }
    }
}

/// The flat backgrounds a scene may have. Two-word names are read before the single colour words
/// they contain ("light blue" is a backdrop, not a blue shape).
package enum Backdrop: String, Codable, Sendable, Hashable, CaseIterable {
    case white
    case lightGray = "light gray"
    case beige
    case lightBlue = "light blue"
    case paleGreen = "pale green"
    case darkGray = "dark gray"

    var rgb: (UInt8, UInt8, UInt8) {
        switch self {
        case .white: (250, 250, 250)
        case .lightGray: (196, 196, 196)
        case .beige: (236, 220, 178)
        case .lightBlue: (166, 206, 240)
        case .paleGreen: (186, 232, 196)
        case .darkGray: (84, 84, 84)
        }
    }

    var phrases: [[String]] {
        switch self {
        case .white: [["white"]]
        case .lightGray: [["light", "gray"], ["light", "grey"]]
        case .beige: [["beige"], ["cream"]]
        case .lightBlue: [["light", "blue"], ["sky", "blue"]]
        case .paleGreen: [["pale", "green"], ["mint"]]
        case .darkGray: [["dark", "gray"], ["dark", "grey"], ["charcoal"]]
        }
    }

    /// The soft, light backdrops a "pastel" request may mean.
    static let pastel: [Backdrop] = [.beige, .lightBlue, .paleGreen]
}

/// The nine cells of the 3×3 grid a scene is laid out on; at most one shape per cell, so a cell
/// name is a precise reference.
package enum Cell: String, Codable, Sendable, Hashable, CaseIterable {
    case topLeft = "top-left", top, topRight = "top-right"
    case left, center, right
    case bottomLeft = "bottom-left", bottom, bottomRight = "bottom-right"

    var row: Int { Cell.allCases.firstIndex(of: self)! / 3 }
    var column: Int { Cell.allCases.firstIndex(of: self)! % 3 }

    /// The cell's centre in per-mille of the image side.
    var centre: (x: Int, y: Int) { (column * 333 + 167, row * 333 + 167) }

    static func at(row: Int, column: Int) -> Cell { Cell.allCases[row * 3 + column] }

    /// "in the top-left", "at the top", "on the left", "in the centre".
    var phrase: String {
        switch self {
        case .top, .bottom: "at the \(rawValue)"
        case .left, .right: "on the \(rawValue)"
        default: "in the \(rawValue)"
        }
    }
}

/// Three shape sizes; the radius is in per-mille of the image side and fits inside a cell.
package enum ShapeSize: String, Codable, Sendable, Hashable, CaseIterable {
    case small, medium, large

    var radius: Int {
        switch self {
        case .small: 62
        case .medium: 88
        case .large: 116
        }
    }

    var words: [String] {
        switch self {
        case .small: ["small", "little", "tiny"]
        case .medium: ["medium", "mid-sized"]
        case .large: ["large", "big", "huge"]
        }
    }
}
