import NetRuntime

/// Pictures as PNG: a density heat-map on a grid (Fig. 5.2), a scatter of samples, and a
/// grid of small grey-scale images (digits, `ImageGrid.swift`), each optionally under a
/// title line (`PictureTitle.swift`).
public enum Pictures {
    /// values[row][column] (row 0 at the top) scaled to [min, max] through viridis; each
    /// cell drawn as `scale`×`scale` pixels.
    public static func heatmap(_ values: [[Double]], scale: Int = 4) -> RGBImage {
        let rows = values.count, cols = values.first?.count ?? 0
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        var image = RGBImage(width: max(1, cols * scale), height: max(1, rows * scale))
        for r in 0..<rows { for c in 0..<cols {
            let color = Colormap.color(hi > lo ? (values[r][c] - lo) / (hi - lo) : 0.5)
            for dy in 0..<scale { for dx in 0..<scale { image[c * scale + dx, r * scale + dy] = color } }
        } }
        return image
    }

    /// Points [N, 2] in the square [−range, range]² as dots on a white `size`×`size` image.
    public static func scatter(_ points: Tensor<Double>, range: Double, size: Int = 400,
                               color: (UInt8, UInt8, UInt8) = (31, 119, 180)) -> RGBImage {
        var image = RGBImage(width: size, height: size)
        // Axes through the origin, light grey.
        for i in 0..<size { image[size / 2, i] = (220, 220, 220); image[i, size / 2] = (220, 220, 220) }
        let n = points.shape[0]
        for i in 0..<n {
            let x = points.scalars[2 * i], y = points.scalars[2 * i + 1]
            // Points off the picture are skipped before the conversion to Int, which traps
            // for values beyond Int's range (a diverged sample can be 1e30).
            let u = (x + range) / (2 * range) * Double(size), v = (range - y) / (2 * range) * Double(size)
            guard u > -2, v > -2, u < Double(size) + 2, v < Double(size) + 2 else { continue }
            let px = Int(u), py = Int(v)
            for dy in -1...1 { for dx in -1...1 { image[px + dx, py + dy] = color } }
        }
        return image
    }
}
