import XCTest
@testable import NetRuntime

/// Base of the tests of the AVX-512 kernels (`CKernels`): skipped on CPUs without
/// AVX-512, and `WideKernels.avx512`, which the tests switch to compare both paths,
/// restored after each test.
class WideKernelTestCase: XCTestCase {
    private var saved = WideKernels.avx512

    override func setUpWithError() throws {
        saved = WideKernels.avx512
        try XCTSkipUnless(BLASKernelSelection.cpuFlags.contains("avx512f"), "this CPU has no AVX-512")
    }

    override func tearDown() { WideKernels.avx512 = saved }
}
