import XCTest
@testable import NetRuntime

/// OpenBLAS kernels chosen by CPU features when OpenBLAS's own model table is too old.
final class BLASKernelSelectionTests: XCTestCase {
    func testTheStrongestKernelTheFlagsAllowIsChosen() {
        let avx512 = Set(["avx512f", "avx512bw", "avx512vl", "avx512dq"])
        XCTAssertEqual(BLASKernelSelection.bestCore(flags: avx512.union(["avx512_bf16", "avx2", "fma"])), "Cooperlake")
        XCTAssertEqual(BLASKernelSelection.bestCore(flags: avx512.union(["avx2", "fma"])), "SkylakeX")
        XCTAssertEqual(BLASKernelSelection.bestCore(flags: ["avx2", "fma", "avx"]), "Haswell")
        XCTAssertNil(BLASKernelSelection.bestCore(flags: ["sse3", "avx"]))
        // AVX-512 without BW/VL (Knights Landing) is not SkylakeX.
        XCTAssertEqual(BLASKernelSelection.bestCore(flags: ["avx512f", "avx2", "fma"]), "Haswell")
    }

    func testOnlyWeakerKernelsAreReplaced() {
        XCTAssertLessThan(BLASKernelSelection.rank("Prescott"), BLASKernelSelection.rank("Haswell"))
        XCTAssertLessThan(BLASKernelSelection.rank("Haswell"), BLASKernelSelection.rank("SkylakeX"))
        XCTAssertLessThan(BLASKernelSelection.rank("SkylakeX"), BLASKernelSelection.rank("Cooperlake"))
        // A name this table does not know (a newer kernel) ranks above every choice.
        XCTAssertGreaterThan(BLASKernelSelection.rank("SapphireRapids"), BLASKernelSelection.rank("Cooperlake"))
    }

    /// On this machine: the kernel in use is at least what the CPU flags allow, and GEMM
    /// still matches a naive loop after the switch.
    func testTheKernelInUseMatchesTheCPU() {
        let core = blasCoreName()
        if ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
           let best = BLASKernelSelection.bestCore(flags: BLASKernelSelection.cpuFlags) {
            XCTAssertGreaterThanOrEqual(BLASKernelSelection.rank(core), BLASKernelSelection.rank(best), "OpenBLAS runs \(core)")
        }
        let (m, n, k) = (37, 29, 41)
        let a = (0..<(m * k)).map { Float(($0 * 7) % 13) - 6 }, b = (0..<(k * n)).map { Float(($0 * 5) % 11) - 5 }
        var c = [Float](repeating: 0, count: m * n)
        Float.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += a[i * k + p] * b[p * n + j] }
            XCTAssertEqual(c[i * n + j], s, "C[\(i), \(j)]")
        } }
    }
}
