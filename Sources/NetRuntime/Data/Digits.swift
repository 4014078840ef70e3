// The UCI optical-digits data set (examples/data/digits.csv.gz): 1797 8×8 grey-scale
// images with 17 intensity levels. It stands in for MNIST/CIFAR wherever the thesis uses
// them, because it trains on two CPU cores in seconds.

/// The number of pixels per digits image (8×8).
public let digitsPixelCount = 64

/// Loads the digits data set: gzip-compressed (or plain) CSV without header, each row 64
/// integer pixels 0...16 (row-major 8×8) followed by the label 0...9.
///
/// `images` is [N, 64] with the raw 0...16 values — scaling (to [0,1], or dequantisation
/// for bits/dim with 17 levels) is the caller's choice. Throws `DataError` naming the
/// file, and the line and column of any field that is not an integer in range.
public func loadDigits(path: String) throws -> (images: Tensor<Float>, labels: [Int]) {
    let table = try CSVTable.load(path: path, hasHeader: false)
    let columns = digitsPixelCount + 1
    guard table.columnCount == columns else {
        throw DataError.format(file: path, message: "expected \(columns) columns (64 pixels and a label), found \(table.columnCount)")
    }
    guard table.rowCount > 0 else { throw DataError.format(file: path, message: "no rows") }
    var pixels = [Float](repeating: 0, count: table.rowCount * digitsPixelCount)
    var labels = [Int](repeating: 0, count: table.rowCount)
    for i in 0..<table.rowCount {
        for j in 0..<columns {
            let v = table.values[i * columns + j]
            let isLabel = j == digitsPixelCount
            let range: ClosedRange<Double> = isLabel ? 0...9 : 0...16
            guard v == v.rounded(), range.contains(v) else {
                throw DataError.parse(file: path, line: table.lineNumbers[i], column: j + 1,
                                      message: "\(isLabel ? "label" : "pixel") \(v) is not an integer in \(Int(range.lowerBound))...\(Int(range.upperBound))")
            }
            if isLabel { labels[i] = Int(v) } else { pixels[i * digitsPixelCount + j] = Float(v) }
        }
    }
    return (Tensor(shape: [table.rowCount, digitsPixelCount], scalars: pixels), labels)
}
