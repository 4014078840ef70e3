// The UCI optical-digits data set (examples/data/digits.csv.gz): 1797 8×8 grey-scale
// images with 17 intensity levels. It trains on two CPU cores in seconds; the MNIST
// subset (MNIST.swift) is the real-image data set of the thesis's experiments.

/// The number of pixels per digits image (8×8).
public let digitsPixelCount = 64

/// The digits table: 64 pixels in 0...16, then the label 0...9.
public let digitsFormat = LabelledImageFormat(pixelCount: digitsPixelCount, maxPixel: 16, maxLabel: 9)

/// Loads the digits data set: gzip-compressed (or plain) CSV without header, each row 64
/// integer pixels 0...16 (row-major 8×8) followed by the label 0...9.
///
/// `images` is [N, 64] with the raw 0...16 values — scaling (to [0,1], or dequantisation
/// for bits/dim with 17 levels) is the caller's choice. Throws `DataError` naming the
/// file, and the line and column of any field that is not an integer in range.
public func loadDigits(path: String) throws -> (images: Tensor<Float>, labels: [Int]) {
    try loadLabelledImages(path: path, format: digitsFormat)
}
