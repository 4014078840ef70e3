// The MNIST subset shipped in examples/data/mnist_5k.csv.gz: 5,000 real 28×28 handwritten
// digits (500 per class) with 256 intensity levels. The thesis's image experiments
// (Table 4.1, Fig. 3.4, Table 5.1, Fig. 6.5) use MNIST; on the 8×8 digits their effects
// vanish (every model at ceiling accuracy, every layer keeping all 64 singular values).

/// The number of pixels per MNIST image (28×28).
public let mnistPixelCount = 784

/// The MNIST table: 784 pixels in 0...255, then the label 0...9.
public let mnistFormat = LabelledImageFormat(pixelCount: mnistPixelCount, maxPixel: 255, maxLabel: 9)

/// Loads the MNIST subset: gzip-compressed (or plain) CSV without header, each row 784
/// integer pixels 0...255 (row-major 28×28) followed by the label 0...9.
///
/// `images` is [N, 784] with the raw 0...255 values. Throws `DataError` naming the file,
/// and the line and column of any field that is not an integer in range.
public func loadMNIST(path: String) throws -> (images: Tensor<Float>, labels: [Int]) {
    try loadLabelledImages(path: path, format: mnistFormat)
}
