import NetRuntime

extension Pictures {
    /// Tile colour between images (and around the grid), so that white backgrounds of
    /// neighbouring images stay apart.
    static let gridGap: (UInt8, UInt8, UInt8) = (150, 150, 150)

    /// Images [N, H, W] (values in [0, 1]: 0 paper white, 1 ink black) tiled in a grid of
    /// `columns`, one-pixel gaps between them.
    ///
    /// Small images are enlarged nearest-neighbour (each pixel a `scale`×`scale` square,
    /// no smoothing that would invent grey levels) by the smallest whole factor that makes
    /// an image at least `minimumSize` pixels on its longer side: 8×8 digits become 64×64.
    /// `labels` (one per image, or nil) are written centred under each image, twice the
    /// font size when every label fits the image's width, else at the font's size and cut
    /// with "…" where it does not fit.
    public static func grid(_ images: Tensor<Double>, columns: Int, minimumSize: Int = 64, labels: [String]? = nil) -> RGBImage {
        let n = images.shape[0], h = images.shape[1], w = images.shape[2]
        let scale = max(1, (minimumSize + max(h, w) - 1) / max(1, max(h, w)))
        let cellWidth = w * scale, imageHeight = h * scale
        let labelStyle = labels.map { gridLabelStyle($0, width: cellWidth) }
        let cellHeight = imageHeight + (labelStyle?.height ?? 0)
        let cols = max(1, min(columns, max(n, 1))), rows = max(1, (n + cols - 1) / cols)
        var image = RGBImage(width: cols * (cellWidth + 1) + 1, height: rows * (cellHeight + 1) + 1, fill: gridGap)
        for k in 0..<n {
            let ox = (k % cols) * (cellWidth + 1) + 1, oy = (k / cols) * (cellHeight + 1) + 1
            for y in 0..<h { for x in 0..<w {
                let v = images.scalars[(k * h + y) * w + x]
                let g = UInt8(max(0, min(255, (1 - (v.isFinite ? v : 0)) * 255)))
                for dy in 0..<scale { for dx in 0..<scale { image[ox + x * scale + dx, oy + y * scale + dy] = (g, g, g) } }
            } }
            if let labels, let style = labelStyle {
                for y in imageHeight..<cellHeight { for x in 0..<cellWidth { image[ox + x, oy + y] = (255, 255, 255) } }
                let text = k < labels.count ? fitted(labels[k], width: cellWidth, fontScale: style.fontScale) : ""
                // The label's baseline: two pixels of paper above the glyphs' tops.
                let baseline = oy + imageHeight + 2 + BitmapFont.ascent * style.fontScale
                drawText(text, centredAt: ox + cellWidth / 2, baseline: baseline, fontScale: style.fontScale, into: &image)
            }
        }
        return image
    }

    /// The font scale of a grid's labels (2 when all fit at 2, else 1) and the height of the
    /// label strip under each image.
    static func gridLabelStyle(_ labels: [String], width: Int) -> (fontScale: Int, height: Int) {
        let fits = labels.allSatisfy { BitmapFont.width(of: $0) * 2 <= width - 2 }
        let s = fits ? 2 : 1
        return (s, BitmapFont.glyphHeight * s + 4)
    }

    /// The label cut (with "…") to what fits in `width` pixels at `fontScale`.
    static func fitted(_ label: String, width: Int, fontScale: Int) -> String {
        let room = max(1, (width - 2) / fontScale + 1) / BitmapFont.advance
        let shown = Array(BitmapFont.displayText(label))
        return shown.count <= room ? label : String(shown.prefix(max(0, room - 1))) + "…"
    }

    /// Writes `text` in the bitmap font centred on `x`, `baseline` its baseline, in ink.
    static func drawText(_ text: String, centredAt x: Int, baseline: Int, fontScale: Int, into image: inout RGBImage) {
        let width = BitmapFont.width(of: text) * fontScale
        guard width > 0 else { return }
        let height = BitmapFont.glyphHeight * fontScale
        var raster = ChartRaster(width: width, height: height)
        raster.drawText(text, at: ChartPoint(0, Double(BitmapFont.ascent * fontScale)), fontScale: fontScale)
        let ox = x - width / 2, oy = baseline - BitmapFont.ascent * fontScale
        for y in 0..<height { for u in 0..<width {
            let p = raster.image[u, y]
            if p != (255, 255, 255) { image[ox + u, oy + y] = p }
        } }
    }
}
