import XCTest
import NetRuntime
@testable import NetLibrary

final class ReceptiveFieldTests: XCTestCase {
    func residualLayer(_ channels: Int, kernel: Int, stride: Int) throws -> Layer {
        Residual([try Convolution(dimensions: 1, channels: channels, kernel: kernel, stride: stride), Activation.relu(),
                  try Convolution(dimensions: 1, channels: channels, kernel: kernel)])
    }

    /// IsotopeNet (Table 7.2) by hand, r ← r + (k − 1)·j, j ← j·s, starting at r = j = 1:
    ///   layer 1 (stride 1): two kernel-3 convs at j = 1: r = 1 + 2 + 2 = 5
    ///   layer 2 (stride 5 on its first conv): r = 5 + 2·1 = 7, j = 5; second conv r = 7 + 2·5 = 17
    ///   layer 3: r = 17 + 10 + 10 = 37
    ///   layer 4 (stride 3 first): r = 37 + 2·5 = 47, j = 15; second conv r = 47 + 2·15 = 77
    ///   locally connected layer (kernel 3): r = 77 + 2·15 = 107.
    /// The thesis designs the field to 43 bins after the fourth residual layer. With all
    /// strides odd, every jump is odd, so eight kernel-3 convolutions give r = 1 + 2·(a sum of
    /// eight odd jumps) ≡ 1 (mod 4); 43 ≡ 3 (mod 4) cannot be reached by eight such layers
    /// in any order — the thesis counts differently (43 = 1 + 2·(1 + 5 + 5 + 5 + 5), e.g. five
    /// convolutions from the strided one on), so we test our definition: 77 and 107.
    func testIsotopeNet() throws {
        let g = Graph()
        let model = try Model(name: "iso", inputShape: [1, 600], layers: [
            try residualLayer(8, kernel: 3, stride: 1), try residualLayer(8, kernel: 3, stride: 5),
            try residualLayer(8, kernel: 3, stride: 1), try residualLayer(1, kernel: 3, stride: 3),
            Activation.relu(), try LocallyConnected(channels: 1, kernel: 3, padding: 1), Flatten(), Dense(units: 2),
        ], graph: g, seed: 0)
        XCTAssertEqual((1...4).map { ReceptiveField.of(model, layers: $0).size }, [5, 17, 37, 77])
        let all = ReceptiveField.of(model)
        XCTAssertEqual(all.size, 107)
        XCTAssertEqual(all.jump, 15)
        XCTAssertEqual(all.stoppedAt, "flatten")
    }

    /// Pooling counts like a convolution; a projection shortcut (kernel 1) never widens the
    /// field, so a block takes its body's.
    func testPoolingAndProjection() throws {
        let g = Graph()
        let model = try Model(name: "m", inputShape: [2, 64], layers: [
            try Convolution(dimensions: 1, channels: 4, kernel: 5, stride: 2),   // r 5, j 2
            try Pooling(.max, dimensions: 1, kernel: 2),                          // r 7, j 4
            try residualLayer(6, kernel: 3, stride: 2),                           // r 15, j 8; r 31
        ], graph: g, seed: 0)
        XCTAssertEqual(ReceptiveField.of(model).size, 31)
        XCTAssertNil(ReceptiveField.of(model).stoppedAt)
    }
}
