// Labelled grey-scale image tables: CSV rows of integer pixels followed by a class label.
// The two image data sets NetLang ships (the UCI 8×8 digits and the MNIST subset) share
// this format and differ only in the pixel count and the intensity range, so one reader
// validates both.

/// The layout of a labelled image table: how many pixels a row holds, their largest value,
/// and the largest label.
public struct LabelledImageFormat: Sendable {
    /// Pixels per image (row-major), before the label column.
    public var pixelCount: Int
    /// The largest pixel value (pixels are integers in 0...maxPixel).
    public var maxPixel: Int
    /// The largest class label (labels are integers in 0...maxLabel).
    public var maxLabel: Int

    /// A format from its three sizes.
    public init(pixelCount: Int, maxPixel: Int, maxLabel: Int) {
        self.pixelCount = pixelCount
        self.maxPixel = maxPixel
        self.maxLabel = maxLabel
    }
}

/// Loads a labelled image table: gzip-compressed (or plain) CSV without a header, each row
/// `format.pixelCount` integer pixels in 0...maxPixel followed by an integer label in
/// 0...maxLabel.
///
/// Returns the raw pixel values as an [N, pixelCount] tensor (scaling is the caller's
/// choice) and the labels. Throws `DataError` naming the file, and the line and column of
/// any field that is not an integer in range.
public func loadLabelledImages(path: String, format: LabelledImageFormat) throws -> (images: Tensor<Float>, labels: [Int]) {
    let table = try CSVTable.load(path: path, hasHeader: false)
    let pixels = format.pixelCount, columns = pixels + 1
    guard table.columnCount == columns else {
        throw DataError.format(file: path, message: "expected \(columns) columns (\(pixels) pixels and a label), found \(table.columnCount)")
    }
    guard table.rowCount > 0 else { throw DataError.format(file: path, message: "no rows") }
    var values = [Float](repeating: 0, count: table.rowCount * pixels)
    var labels = [Int](repeating: 0, count: table.rowCount)
    let pixelRange = 0...Double(format.maxPixel), labelRange = 0...Double(format.maxLabel)
    for i in 0..<table.rowCount {
        for j in 0..<columns {
            let v = table.values[i * columns + j]
            let isLabel = j == pixels
            let range = isLabel ? labelRange : pixelRange
            guard v == v.rounded(), range.contains(v) else {
                throw DataError.parse(file: path, line: table.lineNumbers[i], column: j + 1,
                                      message: "\(isLabel ? "label" : "pixel") \(v) is not an integer in \(Int(range.lowerBound))...\(Int(range.upperBound))")
            }
            if isLabel { labels[i] = Int(v) } else { values[i * pixels + j] = Float(v) }
        }
    }
    return (Tensor(shape: [table.rowCount, pixels], scalars: values), labels)
}
