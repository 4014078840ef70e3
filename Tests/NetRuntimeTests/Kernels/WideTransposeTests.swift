import XCTest
import NetTestSupport
@testable import NetRuntime

/// The AVX-512 transpose of dy for the 2-D weight gradient (`netl_transpose_unit_f32_avx512`)
/// against the Swift loop of `transposeUnit`: the whole stage, including the zeros of the
/// padding channels, the dropped columns and the odd lanes of the pair layout, equal to the
/// float, from a stage filled with NaN garbage. Skipped without AVX-512.
final class WideTransposeTests: WideKernelTestCase {
    func testTransposeEqualsTheSwiftLoop() {
        var rng = RandomGenerator(seed: 31)
        // (C_out, H = W, padding): pair layout (C_out ≤ 8) with even and odd padded
        // widths, wide layout with one, two and three 16-channel blocks and rows of up to
        // 33 positions (three 16-position blocks).
        let cases: [(cout: Int, size: Int, pad: Int)] = [
            (1, 7, 1), (3, 14, 1), (8, 14, 1), (8, 7, 1), (5, 6, 0), (7, 17, 1),
            (9, 7, 1), (16, 14, 1), (17, 5, 0), (32, 14, 1), (32, 7, 1), (33, 16, 1), (40, 33, 1),
        ]
        for c in cases {
            let g = ConvGeometry(batch: 1, inChannels: 2, outChannels: c.cout, inHeight: c.size, inWidth: c.size,
                                 kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 1,
                                 padHeight: c.pad, padWidth: c.pad)
            let dy = Tensor<Float>.randomNormal([c.cout * g.outputPlane], rng: &rng).scalars
            let Wp = g.d2WeightPaddedWidth
            for oh0 in Set([0, 1, g.outHeight - 1]) {
                for R in Set([1, 2, g.outHeight - oh0]) where R >= 1 && oh0 + R <= g.outHeight {
                    let count = (R - 1) * Wp + g.outWidth
                    func stage(wide: Bool) -> [Float] {
                        WideKernels.avx512 = wide
                        var gt = [Float](repeating: .nan, count: R * Wp * g.d2WeightLeading + 16)
                        dy.withUnsafeBufferPointer { d in
                            transposeUnit(g, dy: d.baseAddress!, oh0: oh0, R: R, count: count, gt: &gt)
                        }
                        return gt
                    }
                    let wide = stage(wide: true), narrow = stage(wide: false)
                    let same = zip(wide, narrow).allSatisfy { $0.bitPattern == $1.bitPattern }
                    XCTAssertTrue(same, "C_out \(c.cout), \(c.size)×\(c.size), pad \(c.pad), rows \(oh0)..<\(oh0 + R)")
                    // The Swift loop itself: the value of channel o at position q.
                    let q = (R - 1) * Wp + g.outWidth - 1, o = c.cout - 1
                    let expected = dy[o * g.outputPlane + (oh0 + R - 1) * g.outWidth + g.outWidth - 1]
                    let at = g.d2WeightPairs ? (q / 2) * 16 + 2 * o + q % 2 : q * g.d2WeightLeading + o
                    XCTAssertEqual(narrow[at], expected)
                }
            }
        }
    }
}
