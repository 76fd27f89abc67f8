import ArgumentParser
import ThinkEditCore
import ThinkEditPipeline

// Options with a fixed set of values parse into the domain's types, so a typo is an error that
// lists the valid values instead of a silent no-op.

extension CallErrorClass: ExpressibleByArgument {}

/// `--class a,b`: one or more call error classes, comma-separated.
struct CallErrorClasses: ExpressibleByArgument {
    var classes: Set<CallErrorClass>

    init?(argument: String) {
        var classes = Set<CallErrorClass>()
        for part in argument.split(separator: ",") {
            guard let c = CallErrorClass(rawValue: part.trimmingCharacters(in: .whitespaces)) else { return nil }
            classes.insert(c)
        }
        guard !classes.isEmpty else { return nil }
        self.classes = classes
    }

    static var allValueStrings: [String] { CallErrorClass.allCases.map(\.rawValue) }
}

extension Shard: ExpressibleByArgument {
    /// `i/n` with 0 <= i < n.
    package init?(argument: String) { self.init(argument) }
}
