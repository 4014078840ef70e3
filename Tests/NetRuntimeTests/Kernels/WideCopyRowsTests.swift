import XCTest
import NetTestSupport
@testable import NetRuntime

/// The short strided row copies of the direct 2-D convolutions (`copyRows`): the AVX-512
/// kernel (overlapping vectors for plain copies of ≥ 4 floats, masked vectors otherwise)
/// against the Swift loop, for every width from 1 to 40, copy and accumulate, and no
/// write outside the rows (the destination's gaps keep their NaN). Skipped without AVX-512.
final class WideCopyRowsTests: WideKernelTestCase {
    func testCopyRowsEqualsTheSwiftLoop() {
        var rng = RandomGenerator(seed: 12)
        for width in 1...40 {
            let rows = 5, ldSrc = width + 3, ldDst = width + 2
            let src = Tensor<Float>.randomNormal([rows * ldSrc], rng: &rng).scalars
            var start = Tensor<Float>.randomNormal([rows * ldDst + 8], rng: &rng).scalars
            for i in 0..<rows { for j in width..<ldDst { start[i * ldDst + j] = .nan } }
            for accumulate in [false, true] {
                func copied(wide: Bool) -> [Float] {
                    WideKernels.avx512 = wide
                    var dst = start
                    src.withUnsafeBufferPointer { s in
                        copyRows(&dst, ldDst, s.baseAddress!, ldSrc, rows: rows, width: width, accumulate: accumulate)
                    }
                    return dst
                }
                let wide = copied(wide: true), narrow = copied(wide: false)
                XCTAssertTrue(zip(wide, narrow).allSatisfy { $0.bitPattern == $1.bitPattern }, "width \(width) accumulate \(accumulate)")
                for i in 0..<rows {
                    let expected = accumulate ? start[i * ldDst + width - 1] + src[i * ldSrc + width - 1] : src[i * ldSrc + width - 1]
                    XCTAssertEqual(narrow[i * ldDst + width - 1], expected)
                    if width < ldDst { XCTAssertTrue(wide[i * ldDst + width].isNaN, "width \(width): gap written") }
                }
            }
        }
    }
}
