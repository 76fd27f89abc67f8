import Testing
@testable import ThinkEditImaging
@testable import ThinkEditSynthetic

@Suite("Scenes")
struct SceneTests {
    @Test func renderPaintsBackdropAndEachShapeInItsColour() {
        let image = Fixture.scene.render(size: 128)
        #expect(image.width == 128 && image.height == 128)
        #expect(same(Fixture.pixel(image, x: 0, y: 127), Backdrop.white.rgb))
        for shape in Fixture.scene.shapes {
            #expect(same(Fixture.centre(of: shape, in: image), shape.color.rgb), "\(shape.kind) centre")
        }
    }

    @Test func renderSizeIsConfigurableAndShapesScaleWithIt() {
        let small = Fixture.scene.render(size: 64)
        let large = Fixture.scene.render(size: 256)
        func blue(_ image: RGBImage) -> Int {
            stride(from: 0, to: image.pixels.count, by: 3).filter { same((image.pixels[$0], image.pixels[$0 + 1], image.pixels[$0 + 2]), ShapeColor.blue.rgb) }.count
        }
        let ratio = Double(blue(large)) / Double(blue(small))
        #expect(ratio > 14 && ratio < 18, "area grows with the square of the side, got \(ratio)")
    }

    @Test func everyShapeKindCoversItsCentreAndNotItsCorner() {
        for kind in ShapeKind.allCases {
            let shape = SceneShape(kind: kind, color: .black, size: .large, cell: .center)
            #expect(shape.contains(u: Double(shape.x), v: Double(shape.y)))
            #expect(!shape.contains(u: Double(shape.x - shape.size.radius), v: Double(shape.y - shape.size.radius)) || kind == .square)
        }
    }

    @Test func labelsNameTheShapeCoveringEachPixel() {
        let (image, labels) = Fixture.scene.renderWithLabels(size: 96)
        let circle = Fixture.scene.shapes[1]
        let p = (circle.y * 96 / 1000) * 96 + circle.x * 96 / 1000
        #expect(labels[p] == 2)
        #expect(labels[0] == 0)
        #expect(labels.count == image.width * image.height)
    }

    @Test func editsChangeOnlyWhatTheySay() {
        let scene = Fixture.scene
        #expect(SceneEdit(action: .recolor, target: 0, color: .yellow).applied(to: scene).shapes[0].color == .yellow)
        #expect(SceneEdit(action: .remove, target: 1).applied(to: scene).shapes.count == 3)
        let added = SceneEdit(action: .add, kind: .cross, color: .pink, size: .small, cell: .left).applied(to: scene)
        #expect(added.shapes.last?.cell == .left && added.shapes.count == 5)
        let moved = SceneEdit(action: .move, target: 2, cell: .bottomLeft).applied(to: scene)
        #expect(moved.shapes[2].cell == .bottomLeft && moved.shapes[2].x == Cell.bottomLeft.centre.x)
        #expect(SceneEdit(action: .replace, target: 0, kind: .diamond).applied(to: scene).shapes[0] == SceneShape(kind: .diamond, color: .blue, size: .medium, cell: .topLeft))
        #expect(SceneEdit(action: .background, background: .beige).applied(to: scene).background == .beige)
        // An edit into an occupied cell is impossible and leaves the scene alone.
        #expect(SceneEdit(action: .move, target: 0, cell: .center).applied(to: scene) == scene)
    }

    @Test func truthRoundTripsThroughMetaJSON() throws {
        let truth = Fixture.truth()
        let json = truth.metaJSON()
        #expect(json.hasPrefix("{\"synthetic\":{"))
        #expect(try SyntheticTruth.fromMeta(json, item: "x") == truth)
        #expect(throws: SyntheticError.self) { try SyntheticTruth.fromMeta(nil, item: "x") }
        #expect(throws: SyntheticError.self) { try SyntheticTruth.fromMeta("{\"other\":1}", item: "x") }
    }
}
