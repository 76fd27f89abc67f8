import ThinkEditImaging

/// One flat-coloured shape. Geometry is in per-mille of the image side, so one scene renders at
/// any size; `cell` is the grid cell its centre lies in.
package struct SceneShape: Codable, Sendable, Hashable {
    package var kind: ShapeKind
    package var color: ShapeColor
    package var size: ShapeSize
    package var cell: Cell
    /// Centre, per-mille of the width / height.
    package var x: Int
    package var y: Int

    init(kind: ShapeKind, color: ShapeColor, size: ShapeSize, cell: Cell, x: Int, y: Int) {
        self.kind = kind
        self.color = color
        self.size = size
        self.cell = cell
        self.x = x
        self.y = y
    }

    /// A shape centred in its cell.
    init(kind: ShapeKind, color: ShapeColor, size: ShapeSize, cell: Cell) {
        let c = cell.centre
        self.init(kind: kind, color: color, size: size, cell: cell, x: c.x, y: c.y)
    }

    /// Whether the point (u, v), in per-mille, lies inside the shape.
    func contains(u: Double, v: Double) -> Bool {
        let r = Double(size.radius)
        let dx = u - Double(x)
        let dy = v - Double(y)
        switch kind {
        case .circle:
            return dx * dx + dy * dy <= r * r
        case .square:
            return abs(dx) <= r * 0.86 && abs(dy) <= r * 0.86
        case .triangle:
            // Apex up at -r, base at +0.8r; the half-width grows linearly from the apex.
            guard dy >= -r && dy <= 0.8 * r else { return false }
            return abs(dx) <= r * (dy + r) / (1.8 * r) * 1.05
        case .diamond:
            return abs(dx) + abs(dy) <= r * 1.15
        case .cross:
            let arm = r / 2.8
            return (abs(dx) <= arm && abs(dy) <= r) || (abs(dy) <= arm && abs(dx) <= r)
        }
    }
}

/// A scene: a backdrop and a few shapes, at most one per grid cell, drawn in order.
package struct Scene: Codable, Sendable, Hashable {
    package var background: Backdrop
    package var shapes: [SceneShape]

    init(background: Backdrop, shapes: [SceneShape]) {
        self.background = background
        self.shapes = shapes
    }

    /// Cells no shape occupies, in grid order.
    var freeCells: [Cell] {
        let used = Set(shapes.map(\.cell))
        return Cell.allCases.filter { !used.contains($0) }
    }

    func render(size: Int) -> RGBImage {
        renderWithLabels(size: size).image
    }

    /// The raster and, per pixel, which shape covers it (0 = backdrop, i + 1 = `shapes[i]`). The
    /// expert uses the labels to say which shape an unexpected change hit.
    func renderWithLabels(size: Int) -> (image: RGBImage, labels: [UInt8]) {
        var image = RGBImage(width: size, height: size, fill: background.rgb)
        var labels = [UInt8](repeating: 0, count: size * size)
        let scale = 1000.0 / Double(size)
        image.pixels.withUnsafeMutableBufferPointer { px in
            labels.withUnsafeMutableBufferPointer { labels in
                for (index, shape) in shapes.enumerated() {
                    let (r, g, b) = shape.color.rgb
                    let reach = Double(shape.size.radius) * 1.16
                    let x0 = max(0, Int((Double(shape.x) - reach) / scale))
                    let x1 = min(size - 1, Int((Double(shape.x) + reach) / scale) + 1)
                    let y0 = max(0, Int((Double(shape.y) - reach) / scale))
                    let y1 = min(size - 1, Int((Double(shape.y) + reach) / scale) + 1)
                    guard x0 <= x1, y0 <= y1 else { continue }
                    for py in y0...y1 {
                        let v = (Double(py) + 0.5) * scale
                        for qx in x0...x1 where shape.contains(u: (Double(qx) + 0.5) * scale, v: v) {
                            let p = py * size + qx
                            px[p * 3] = r
                            px[p * 3 + 1] = g
                            px[p * 3 + 2] = b
                            labels[p] = UInt8(truncatingIfNeeded: index + 1)
                        }
                    }
                }
            }
        }
        return (image, labels)
    }
}
