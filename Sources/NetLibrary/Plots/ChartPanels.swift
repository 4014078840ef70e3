import NetRuntime

/// Charts side by side in one picture (e.g. the two panels of thesis Fig. 6.3). Each panel
/// is rendered on its own and pasted left to right on a white canvas, top-aligned.
public enum ChartPanels {
    public static func image(_ charts: [Chart], scale: Int = 2) -> RGBImage {
        precondition(!charts.isEmpty)
        let images = charts.map { $0.image(scale: scale) }
        var canvas = RGBImage(width: images.map(\.width).reduce(0, +), height: images.map(\.height).max()!)
        var left = 0
        for image in images {
            for y in 0..<image.height {
                for x in 0..<image.width { canvas[left + x, y] = image[x, y] }
            }
            left += image.width
        }
        return canvas
    }
}
