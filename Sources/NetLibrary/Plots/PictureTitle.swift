import NetRuntime

extension Pictures {
    /// The picture under a title line (on white, centred, twice the font size when it fits
    /// the picture's width); a title wider than the picture widens the canvas, the picture
    /// centred below it. An empty title returns the picture unchanged.
    public static func titled(_ picture: RGBImage, _ title: String) -> RGBImage {
        guard !title.isEmpty else { return picture }
        let textWidth = BitmapFont.width(of: title)
        let fontScale = textWidth * 2 + 8 <= picture.width ? 2 : 1
        let width = max(picture.width, textWidth * fontScale + 8)
        let strip = BitmapFont.glyphHeight * fontScale + 8
        var image = RGBImage(width: width, height: picture.height + strip)
        let ox = (width - picture.width) / 2
        for y in 0..<picture.height { for x in 0..<picture.width { image[ox + x, strip + y] = picture[x, y] } }
        drawText(title, centredAt: width / 2, baseline: 4 + BitmapFont.ascent * fontScale, fontScale: fontScale, into: &image)
        return image
    }
}
