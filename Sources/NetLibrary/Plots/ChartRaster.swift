import Foundation
import NetRuntime

/// Draws a `ChartScene` into an RGB image, `scale` pixels per scene unit: anti-aliased
/// lines of any width and filled circles (coverage from the distance to the shape),
/// filled polygons and rectangles with alpha blending, and text in `BitmapFont`.
public struct ChartRaster {
    public private(set) var image: RGBImage
    public let scale: Int

    public init(width: Int, height: Int, scale: Int = 1) {
        image = RGBImage(width: max(1, width), height: max(1, height))
        self.scale = max(1, scale)
    }

    /// The scene on a white background, `scale` pixels per unit.
    public static func render(_ scene: ChartScene, scale: Int = 2) -> RGBImage {
        let s = max(1, scale)
        var r = ChartRaster(width: Int((scene.width * Double(s)).rounded(.up)), height: Int((scene.height * Double(s)).rounded(.up)), scale: s)
        for e in scene.elements { r.draw(e) }
        return r.image
    }

    mutating func draw(_ e: ChartScene.Element) {
        let k = Double(scale)
        func p(_ q: ChartPoint) -> ChartPoint { ChartPoint(q.x * k, q.y * k) }
        switch e {
        case let .line(a, b, c, w): strokePolyline([p(a), p(b)], width: w * k, color: c)
        case let .polyline(ps, c, w): strokePolyline(ps.map(p), width: w * k, color: c)
        case let .polygon(ps, c, opacity): fillPolygon(ps.map(p), color: c, opacity: opacity)
        case let .rect(x, y, w, h, fill, opacity, stroke):
            fillRect(x: x * k, y: y * k, width: w * k, height: h * k, color: fill, opacity: opacity)
            if let stroke {
                let corners = [ChartPoint(x, y), ChartPoint(x + w, y), ChartPoint(x + w, y + h), ChartPoint(x, y + h), ChartPoint(x, y)]
                strokePolyline(corners.map(p), width: k, color: stroke)
            }
        case let .circle(c, r, color): fillCircle(center: p(c), radius: r * k, color: color)
        case let .text(text, at, anchor, style, vertical):
            let fontScale = max(1, Int((ChartScene.fontSize(style) * k).rounded()))
            drawText(text, at: p(at), anchor: anchor, fontScale: fontScale, vertical: vertical, color: ChartScene.ink)
        case let .raster(picture, x, y, w, h): drawPicture(picture, x: x * k, y: y * k, width: w * k, height: h * k)
        }
    }

    /// A picture stretched over the rectangle, each pixel whose centre lies inside taking
    /// the colour of the picture's pixel under it (nearest neighbour).
    public mutating func drawPicture(_ picture: RGBImage, x: Double, y: Double, width: Double, height: Double) {
        let (x0, y0, x1, y1) = clip((x - 0.5).rounded(.up), (y - 0.5).rounded(.up), (x + width - 0.5).rounded(.up), (y + height - 0.5).rounded(.up))
        guard x1 > x0, y1 > y0, width > 0, height > 0 else { return }
        for py in y0..<y1 {
            let v = min(picture.height - 1, max(0, Int((Double(py) + 0.5 - y) / height * Double(picture.height))))
            for px in x0..<x1 {
                let u = min(picture.width - 1, max(0, Int((Double(px) + 0.5 - x) / width * Double(picture.width))))
                image[px, py] = picture[u, v]
            }
        }
    }

    /// Mixes `color` into pixel (x, y) with weight alpha ∈ [0, 1].
    public mutating func blend(_ x: Int, _ y: Int, _ color: ChartColor, _ alpha: Double) {
        guard x >= 0, y >= 0, x < image.width, y < image.height, alpha > 0 else { return }
        if alpha >= 1 { image[x, y] = color.rgb; return }
        let old = image[x, y]
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) * (1 - alpha) + Double(b) * alpha).rounded()) }
        image[x, y] = (mix(old.0, color.r), mix(old.1, color.g), mix(old.2, color.b))
    }

    /// Pixel bounds [x0, x1) × [y0, y1) clipped to the image.
    func clip(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double) -> (Int, Int, Int, Int) {
        (max(0, Int(floor(x0))), max(0, Int(floor(y0))), min(image.width, Int(ceil(x1))), min(image.height, Int(ceil(y1))))
    }

    /// A line through the points, `width` pixels wide with round joins and ends. Each
    /// pixel's coverage is 1 inside width/2 of the path and falls off linearly over one
    /// pixel outside; a pixel is blended once with its largest coverage, so joins do not
    /// darken.
    public mutating func strokePolyline(_ points: [ChartPoint], width: Double, color: ChartColor) {
        let ps = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard let first = ps.first else { return }
        let half = max(width, 1) / 2
        let xs = ps.map(\.x), ys = ps.map(\.y)
        let (bx0, by0, bx1, by1) = clip(xs.min()! - half - 1, ys.min()! - half - 1, xs.max()! + half + 1, ys.max()! + half + 1)
        guard bx1 > bx0, by1 > by0 else { return }
        let bw = bx1 - bx0
        var coverage = [Double](repeating: 0, count: bw * (by1 - by0))
        let segments = ps.count == 1 ? [(first, first)] : (1..<ps.count).map { (ps[$0 - 1], ps[$0]) }
        for (a, b) in segments {
            let (x0, y0, x1, y1) = clip(min(a.x, b.x) - half - 1, min(a.y, b.y) - half - 1, max(a.x, b.x) + half + 1, max(a.y, b.y) + half + 1)
            let dx = b.x - a.x, dy = b.y - a.y, len2 = dx * dx + dy * dy
            guard x1 > x0, y1 > y0 else { continue }
            for y in y0..<y1 {
                let cy = Double(y) + 0.5
                for x in x0..<x1 {
                    let cx = Double(x) + 0.5
                    // Distance from the pixel centre to the segment.
                    let t = len2 > 0 ? min(1, max(0, ((cx - a.x) * dx + (cy - a.y) * dy) / len2)) : 0
                    let ex = cx - (a.x + t * dx), ey = cy - (a.y + t * dy)
                    let c = min(1, max(0, half + 0.5 - (ex * ex + ey * ey).squareRoot()))
                    let i = (y - by0) * bw + (x - bx0)
                    if c > coverage[i] { coverage[i] = c }
                }
            }
        }
        for y in by0..<by1 { for x in bx0..<bx1 { blend(x, y, color, coverage[(y - by0) * bw + (x - bx0)]) } }
    }

    /// A disc with an anti-aliased edge.
    public mutating func fillCircle(center: ChartPoint, radius: Double, color: ChartColor) {
        let (x0, y0, x1, y1) = clip(center.x - radius - 1, center.y - radius - 1, center.x + radius + 1, center.y + radius + 1)
        guard x1 > x0, y1 > y0 else { return }
        for y in y0..<y1 { for x in x0..<x1 {
            let dx = Double(x) + 0.5 - center.x, dy = Double(y) + 0.5 - center.y
            blend(x, y, color, min(1, max(0, radius + 0.5 - (dx * dx + dy * dy).squareRoot())))
        } }
    }

    /// The pixels whose centres lie in the rectangle.
    public mutating func fillRect(x: Double, y: Double, width: Double, height: Double, color: ChartColor, opacity: Double = 1) {
        let (x0, y0, x1, y1) = clip((x - 0.5).rounded(.up), (y - 0.5).rounded(.up), (x + width - 0.5).rounded(.up), (y + height - 0.5).rounded(.up))
        guard x1 > x0, y1 > y0 else { return }
        for py in y0..<y1 { for px in x0..<x1 { blend(px, py, color, opacity) } }
    }

    /// The pixels whose centres lie inside the polygon (even-odd rule), each blended once.
    public mutating func fillPolygon(_ points: [ChartPoint], color: ChartColor, opacity: Double = 1) {
        let ps = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard ps.count >= 3 else { return }
        let ys = ps.map(\.y)
        let (_, y0, _, y1) = clip(0, ys.min()!, 0, ys.max()! + 1)
        guard y1 > y0 else { return }
        for y in y0..<y1 {
            let cy = Double(y) + 0.5
            var crossings: [Double] = []
            for i in ps.indices {
                let a = ps[i], b = ps[(i + 1) % ps.count]
                if (a.y <= cy) != (b.y <= cy) { crossings.append(a.x + (cy - a.y) / (b.y - a.y) * (b.x - a.x)) }
            }
            crossings.sort()
            var k = 0
            while k + 1 < crossings.count {
                let from = max(0, Int((crossings[k] - 0.5).rounded(.up))), to = min(image.width, Int((crossings[k + 1] - 0.5).rounded(.up)))
                if to > from { for x in from..<to { blend(x, y, color, opacity) } }
                k += 2
            }
        }
    }

    /// Text in the bitmap font, each font pixel drawn as fontScale×fontScale pixels. The
    /// point is on the baseline; vertical text reads upwards with the glyphs to the left
    /// of the point.
    public mutating func drawText(_ text: String, at p: ChartPoint, anchor: ChartScene.Anchor = .start, fontScale: Int,
                                  vertical: Bool = false, color: ChartColor = ChartScene.ink) {
        let shown = Array(BitmapFont.displayText(text))
        guard !shown.isEmpty else { return }
        let s = max(1, fontScale)
        let length = (shown.count * BitmapFont.advance - 1) * s
        let start = anchor == .start ? 0 : anchor == .middle ? -length / 2 : -length
        let ox = Int(p.x.rounded()), oy = Int(p.y.rounded())
        for (i, c) in shown.enumerated() {
            let glyph = BitmapFont.glyph(c)
            for row in 0..<BitmapFont.glyphHeight { for col in 0..<BitmapFont.glyphWidth where glyph.isSet(col, row) {
                // (u along the text, v down from the baseline) in pixels.
                let u = start + (i * BitmapFont.advance + col) * s, v = (row - BitmapFont.ascent) * s
                for a in 0..<s { for b in 0..<s {
                    if vertical { blend(ox + v + b, oy - u - a - 1, color, 1) } else { blend(ox + u + a, oy + v + b, color, 1) }
                } }
            } }
        }
    }
}
