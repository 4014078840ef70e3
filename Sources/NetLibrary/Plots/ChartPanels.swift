import NetRuntime

/// Charts side by side in one picture (e.g. the two panels of thesis Fig. 6.3), and
/// pictures pasted into a row or a column on a white canvas.
public enum ChartPanels {
    /// Each chart rendered on its own, left to right, top-aligned.
    public static func image(_ charts: [Chart], scale: Int = 2) -> RGBImage {
        precondition(!charts.isEmpty)
        return row(charts.map { $0.image(scale: scale) })
    }

    /// Pictures left to right, top-aligned.
    public static func row(_ images: [RGBImage]) -> RGBImage {
        precondition(!images.isEmpty)
        var canvas = RGBImage(width: images.map(\.width).reduce(0, +), height: images.map(\.height).max()!)
        var left = 0
        for image in images {
            paste(image, into: &canvas, x: left, y: 0)
            left += image.width
        }
        return canvas
    }

    /// Pictures top to bottom, left-aligned.
    public static func column(_ images: [RGBImage]) -> RGBImage {
        precondition(!images.isEmpty)
        var canvas = RGBImage(width: images.map(\.width).max()!, height: images.map(\.height).reduce(0, +))
        var top = 0
        for image in images {
            paste(image, into: &canvas, x: 0, y: top)
            top += image.height
        }
        return canvas
    }

    private static func paste(_ image: RGBImage, into canvas: inout RGBImage, x x0: Int, y y0: Int) {
        for y in 0..<image.height {
            for x in 0..<image.width { canvas[x0 + x, y0 + y] = image[x, y] }
        }
    }
}
