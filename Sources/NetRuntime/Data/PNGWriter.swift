import CZlib

/// An 8-bit RGB image, row-major from the top-left pixel.
public struct RGBImage: Sendable {
    public let width: Int
    public let height: Int
    /// width·height·3 bytes: R, G, B per pixel.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, fill: (UInt8, UInt8, UInt8) = (255, 255, 255)) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { pixels[3 * i] = fill.0; pixels[3 * i + 1] = fill.1; pixels[3 * i + 2] = fill.2 }
    }

    public subscript(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        get { let i = 3 * (y * width + x); return (pixels[i], pixels[i + 1], pixels[i + 2]) }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = 3 * (y * width + x)
            pixels[i] = newValue.0; pixels[i + 1] = newValue.1; pixels[i + 2] = newValue.2
        }
    }

    /// The PNG encoding: signature, IHDR, one zlib-compressed IDAT (filter 0 per row), IEND.
    public func pngData() throws -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity(height * (1 + 3 * width))
        for y in 0..<height {
            raw.append(0)
            raw.append(contentsOf: pixels[(3 * y * width)..<(3 * (y + 1) * width)])
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        let status = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 9)
        guard status == Z_OK else { throw DataError.format(file: "<png>", message: "zlib compress2 failed (\(status))") }
        compressed.removeLast(compressed.count - Int(compressedLength))

        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
        func chunk(_ type: String, _ data: [UInt8]) {
            let typeBytes = Array(type.utf8)
            out += be32(UInt32(data.count)) + typeBytes + data
            let crc = (typeBytes + data).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            out += be32(UInt32(crc))
        }
        chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [8, 2, 0, 0, 0])   // 8-bit RGB, no interlace
        chunk("IDAT", compressed)
        chunk("IEND", [])
        return out
    }

    /// Writes the PNG file atomically; the name must end in ".png" (a viewer trusts the
    /// extension, so PNG bytes under a ".jpg" name would be a broken picture).
    public func writePNG(to path: String) throws {
        guard path.lowercased().hasSuffix(".png") else {
            throw DataError.io(file: path, message: "a PNG picture needs a name ending in .png")
        }
        try writeAtomically(try pngData(), to: path)
    }
}
