import ThinkEditImaging

/// What became of a source shape that changed although the edit did not ask for it, read from the
/// pixels where the shape was.
enum ShapeChange: Sendable, Hashable {
    /// Most of its pixels show the backdrop now.
    case gone
    /// Part of it shows the backdrop: it shrank or was cut.
    case partlyErased
    /// Most of its changed pixels show another shape colour.
    case recolored(ShapeColor)
    /// Its pixels changed to something that is no clean world colour (smudged over).
    case smudged

    /// Reads the change of the shape with label `label` (index + 1) from the edited raster.
    static func read(edited: RGBImage, labels: [UInt8], label: Int, shape: SceneShape, background: Backdrop) -> ShapeChange {
        var total = 0, backdrop = 0, unclean = 0
        var colors = [ShapeColor: Int]()
        let px = edited.pixels
        for p in labels.indices where Int(labels[p]) == label {
            total += 1
            let i = p * 3
            let c = (px[i], px[i + 1], px[i + 2])
            if close(c, shape.color.rgb) { continue }
            if close(c, background.rgb) {
                backdrop += 1
            } else if let other = ShapeColor.allCases.first(where: { close(c, $0.rgb) }) {
                colors[other, default: 0] += 1
            } else {
                unclean += 1
            }
        }
        let recolored = colors.max { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue) }
        if backdrop >= max(unclean, recolored?.value ?? 0) {
            return Double(backdrop) >= 0.8 * Double(max(total, 1)) ? .gone : .partlyErased
        }
        if let recolored, recolored.value >= unclean { return .recolored(recolored.key) }
        return .smudged
    }

    private static func close(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Bool {
        abs(Int(a.0) - Int(b.0)) <= 40 && abs(Int(a.1) - Int(b.1)) <= 40 && abs(Int(a.2) - Int(b.2)) <= 40
    }
}

/// Writes the expert's reasoning: a short critique of the picture it looked at — what the edit
/// changed, what is missing, what it broke — and what it will ask for next. Every statement comes
/// from the measured `EditAssessment`; the wording is drawn from several phrasings with the
/// expert's seeded stream, so two critiques of the same failure rarely read alike.
struct ExpertCritique {
    var userInstruction: String
    /// The precise wording of the expert's reading of `T`.
    var wanted: String
    var intent: SceneEdit
    var scene: Scene
    var assessment: EditAssessment

    /// The verdict the reasoning ends with.
    enum Verdict {
        case accept
        case acceptFlawed
        case retry(fixes: [String])
        case retryAnyway
    }

    func text(verdict: Verdict, rng: inout SeededRandom) -> String {
        var sentences = [reading(&rng)]
        sentences.append(contentsOf: changes(&rng))
        sentences.append(closing(verdict, &rng))
        return sentences.joined(separator: " ")
    }

    // MARK: - What the user wants

    private func reading(_ rng: inout SeededRandom) -> String {
        let quoted = "\"\(userInstruction)\""
        if userInstruction == wanted {
            return rng.pick([
                "The request is \(quoted).",
                "The user wants: \(quoted).",
                "Task: \(quoted).",
            ])
        }
        return rng.pick([
            "The user asked for \(quoted); against the source picture I read that as: \(wanted).",
            "Request: \(quoted). What I think is meant: \(wanted).",
            "\(quoted) — given the shapes in the source, this most likely means: \(wanted).",
            "Reading \(quoted) against the source, the edit wanted is: \(wanted).",
        ])
    }

    // MARK: - What the picture shows

    private func changes(_ rng: inout SeededRandom) -> [String] {
        let a = assessment
        let subject = Self.subjectPhrase(intent, scene: scene)
        var out: [String] = []
        let percent = Int((a.completion * 100).rounded())
        if a.completion < 0.05 {
            let touched = Double(a.comparison.intendedTouched) / Double(max(a.comparison.intended, 1))
            out.append(touched > 0.3
                ? rng.pick([
                    "Something did change where \(subject) should happen, but not into what was asked.",
                    "The area meant for \(subject) was altered, just not in the requested way.",
                    "I see a change in the right place, yet it does not match \(subject).",
                ])
                : rng.pick([
                    "I see no trace of \(subject): that part of the picture looks as in the source.",
                    "Nothing in the edited image shows \(subject).",
                    "\(Self.capitalized(subject)) has not happened at all.",
                    "The requested change — \(subject) — is missing from the result.",
                ]))
        } else if !a.isComplete {
            out.append(rng.pick([
                "Only about \(percent)% of \(subject) is visible; the rest of that area still shows the source.",
                "\(Self.capitalized(subject)) stopped partway: roughly \(percent)% of the area that should change did.",
                "The edit went in the right direction but is unfinished — about \(percent)% of \(subject) is there.",
                "Roughly \(percent)% of \(subject) is done; the rest is missing.",
            ]))
        } else if a.isGood {
            out.append(rng.pick([
                "\(Self.capitalized(subject)) is done as asked.",
                "The new image shows \(subject), complete.",
                "\(Self.capitalized(subject)): done, and nothing else looks touched.",
            ]))
        } else {
            out.append(rng.pick([
                "\(Self.capitalized(subject)) is done as asked, but that is not all that happened.",
                "The requested part, \(subject), is there in full.",
                "\(Self.capitalized(subject)) came out complete.",
            ]))
        }
        if !a.disturbed.isEmpty {
            let list = Self.list(a.disturbed.map { index in
                let name = InstructionWriter.preciseReference(scene.shapes[index])
                return Self.describe(a.shapeChanges[index] ?? .smudged, of: name, rng: &rng)
            })
            out.append(rng.pick([
                "It also touched what it should have left alone: \(list).",
                "Unasked-for changes elsewhere: \(list).",
                "Besides, \(list) — nobody asked for that.",
                "Other shapes changed too: \(list).",
            ]))
            if a.completion < 0.05 {
                out.append(rng.pick([
                    "The editor seems to have edited the wrong shape.",
                    "So the change landed on the wrong shape.",
                    "It looks as if the editor picked the wrong shape.",
                ]))
            }
        } else if a.comparison.overEditRatio > 0.08 {
            let spill = Int((a.comparison.overEditRatio * 100).rounded())
            out.append(rng.pick([
                "Parts of the picture outside the requested change were altered as well, about \(spill)% of the size of the change itself.",
                "The edit spilled beyond its target: changes outside it amount to about \(spill)% of the requested area.",
            ]))
        }
        if a.hasArtifacts {
            let share = max(0.1, (a.comparison.dirtyFraction * 1000).rounded() / 10)
            let place = a.comparison.dirtyCell.map { $0.rawValue } ?? "picture"
            out.append(rng.pick([
                "There are noisy or smudged patches near the \(place), about \(share)% of the image.",
                "Grainy, smudged pixels spoil the \(place) area (roughly \(share)% of the picture).",
                "I also see artifacts — blotches that are no flat colour — around the \(place), \(share)% of the frame.",
                "The \(place) has picked up noise: about \(share)% of the pixels are no clean colour.",
            ]))
        } else if a.isGood, rng.chance(0.5) {
            out.append(rng.pick(["Colours are flat and clean.", "No noise or smudges anywhere.", "The edges are sharp and the colours flat."]))
        }
        return out
    }

    // MARK: - The verdict

    private func closing(_ verdict: Verdict, _ rng: inout SeededRandom) -> String {
        switch verdict {
        case .accept:
            return rng.pick([
                "Nothing is left to fix; I accept the edit.",
                "This is what was asked and nothing more, so I stop here.",
                "No further turn is needed.",
                "Done — I keep this result.",
            ])
        case .acceptFlawed:
            return rng.pick([
                "It is not perfect, but close enough; I accept it as it is.",
                "The remaining flaws look minor to me, so I will take this result.",
                "Good enough for the request; I stop here.",
            ])
        case .retry(let fixes):
            guard !fixes.isEmpty else {
                return rng.pick([
                    "I will restate the request precisely, naming the shape by colour, kind and place.",
                    "The next instruction names the target exactly, so the editor has nothing to guess.",
                    "I will spell the request out in precise words and try again.",
                ])
            }
            let asks = Self.list(fixes)
            return rng.pick([
                "Next I will restate the request precisely and ask the editor to \(asks).",
                "The new instruction names the target exactly and adds: \(asks).",
                "To fix this I will spell out the edit and ask to \(asks).",
                "I will try again with a precise instruction that also says to \(asks).",
            ])
        case .retryAnyway:
            return rng.pick([
                "The edit looks right, but I will ask once more and say explicitly that nothing else may change.",
                "It seems fine; still, one more pass with an explicit \"keep the rest\" will make sure.",
                "I am not fully convinced nothing else moved, so I will repeat the request and ask to leave the other shapes alone.",
            ])
        }
    }

    // MARK: - Phrases

    private static func describe(_ change: ShapeChange, of name: String, rng: inout SeededRandom) -> String {
        switch change {
        case .gone: return rng.pick(["\(name) has disappeared", "\(name) is gone", "\(name) was erased"])
        case .partlyErased: return rng.pick(["\(name) lost part of itself", "\(name) is partly erased", "\(name) shrank"])
        case .recolored(let color): return rng.pick(["\(name) turned \(color.rawValue)", "\(name) is \(color.rawValue) now", "\(name) was repainted \(color.rawValue)"])
        case .smudged: return rng.pick(["\(name) is smudged over", "\(name) is covered in noise"])
        }
    }

    /// "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    static func capitalized(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }

    /// The requested change as a gerund phrase: "recoloring the blue square in the top-left red".
    static func subjectPhrase(_ edit: SceneEdit, scene: Scene) -> String {
        let target = edit.target.flatMap { scene.shapes.indices.contains($0) ? InstructionWriter.preciseReference(scene.shapes[$0]) : nil } ?? "the shape"
        let phrase: String
        switch edit.action {
        case .recolor: phrase = "recoloring \(target) \(edit.color?.rawValue ?? "")"
        case .add: phrase = "adding " + article("\(edit.color?.rawValue ?? "") \(edit.kind?.rawValue ?? "shape") \(edit.cell?.phrase ?? "")".collapsingSpaces())
        case .remove: phrase = "removing \(target)"
        case .replace: phrase = "replacing \(target) with a \(edit.kind?.rawValue ?? "new shape")"
        case .background: phrase = "changing the background to \(edit.background?.rawValue ?? "a new colour")"
        case .move: phrase = "moving \(target) to the \(edit.cell?.rawValue ?? "new place")"
        }
        return phrase.collapsingSpaces()
    }
}

extension String {
    fileprivate func collapsingSpaces() -> String {
        split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
