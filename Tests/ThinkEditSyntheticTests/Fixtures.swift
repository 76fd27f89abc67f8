@testable import ThinkEditBackends
@testable import ThinkEditImaging
@testable import ThinkEditSynthetic

/// A small hand-made world: a blue square top-left, a red circle in the centre, a green triangle
/// bottom-right and a second red circle top-right, on white.
enum Fixture {
    static let scene = Scene(background: .white, shapes: [
        SceneShape(kind: .square, color: .blue, size: .medium, cell: .topLeft),
        SceneShape(kind: .circle, color: .red, size: .large, cell: .center),
        SceneShape(kind: .triangle, color: .green, size: .medium, cell: .bottomRight),
        SceneShape(kind: .circle, color: .red, size: .small, cell: .topRight),
    ])

    /// "change the blue square in the top-left to yellow".
    static let recolor = SceneEdit(action: .recolor, target: 0, color: .yellow)

    static func truth(_ edit: SceneEdit = recolor, precision: InstructionPrecision = .precise, size: Int = 96) -> SyntheticTruth {
        SyntheticTruth(size: size, scene: scene, edit: edit, precision: precision)
    }

    static func context(_ truth: SyntheticTruth, instruction: String, id: String = "syn-test") throws -> ItemContext {
        let source = try ImageCodec.encodePNG(truth.scene.render(size: truth.size))
        let task = truth.edit.action.task
        return ItemContext(trajectoryID: id, task: task, instruction: instruction, source: ImagePayload(bytes: source), meta: truth.metaJSON())
    }

    static func payload(_ image: RGBImage) throws -> ImagePayload {
        ImagePayload(bytes: try ImageCodec.encodePNG(image))
    }

    static func pixel(_ image: RGBImage, x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        let i = (y * image.width + x) * 3
        return (image.pixels[i], image.pixels[i + 1], image.pixels[i + 2])
    }

    /// The pixel at a shape's centre.
    static func centre(of shape: SceneShape, in image: RGBImage) -> (UInt8, UInt8, UInt8) {
        pixel(image, x: shape.x * image.width / 1000, y: shape.y * image.height / 1000)
    }

    static let none = EditFailureRates(noChange: 0, wrongTarget: 0, partial: 0, overEdit: 0, artifacts: 0)

    /// An editor simulation in which exactly the given failure always happens.
    static func editor(always failure: EditFailure?) -> EditorSimulation {
        var rates = none
        switch failure {
        case .noChange?: rates.noChange = 1
        case .wrongTarget?: rates.wrongTarget = 1
        case .partial?: rates.partial = 1
        case .overEdit?: rates.overEdit = 1
        case .artifacts?: rates.artifacts = 1
        case nil: break
        }
        return EditorSimulation(clear: rates, ambiguous: rates, vague: rates, failureScale: 1, modifierEffect: 1)
    }
}

func same(_ a: (UInt8, UInt8, UInt8), _ b: (UInt8, UInt8, UInt8)) -> Bool {
    a.0 == b.0 && a.1 == b.1 && a.2 == b.2
}
