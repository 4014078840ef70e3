import XCTest
@testable import NetRuntime

/// Naive nested-loop references for pooling, in Float64.
private enum NaivePool {
    /// Calls body(outIndex, realInputIndices) for every output window.
    static func forEachWindow(_ g: PoolGeometry, _ body: (Int, [Int]) -> Void) {
        for plane in 0..<g.batch * g.channels { for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
            var taps: [Int] = []
            for ki in 0..<g.kernelHeight { for kj in 0..<g.kernelWidth {
                let ih = oh * g.strideHeight - g.padHeight + ki
                let iw = ow * g.strideWidth - g.padWidth + kj
                if ih >= 0, ih < g.inHeight, iw >= 0, iw < g.inWidth {
                    taps.append((plane * g.inHeight + ih) * g.inWidth + iw)
                }
            }}
            body((plane * g.outHeight + oh) * g.outWidth + ow, taps)
        }}}
    }
    /// First maximum in row-major window order.
    static func argmax(_ x: [Double], _ taps: [Int]) -> Int {
        var best = taps[0]
        for t in taps where x[t] > x[best] { best = t }
        return best
    }
    static func maxForward(_ g: PoolGeometry, _ x: [Double]) -> (y: [Double], arg: [Int]) {
        var y = [Double](repeating: 0, count: g.outputCount), arg = [Int](repeating: 0, count: g.outputCount)
        forEachWindow(g) { o, taps in arg[o] = argmax(x, taps); y[o] = x[arg[o]] }
        return (y, arg)
    }
    static func maxBackward(_ g: PoolGeometry, _ x: [Double], _ dy: [Double]) -> [Double] {
        var dx = [Double](repeating: 0, count: g.inputCount)
        forEachWindow(g) { o, taps in dx[argmax(x, taps)] += dy[o] }
        return dx
    }
    static func maxSelect(_ g: PoolGeometry, _ x: [Double], _ h: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: g.outputCount)
        forEachWindow(g) { o, taps in out[o] = h[argmax(x, taps)] }
        return out
    }
    static func divisor(_ g: PoolGeometry, _ taps: [Int]) -> Double {
        Double(g.countIncludesPadding ? g.kernelHeight * g.kernelWidth : taps.count)
    }
    static func avgForward(_ g: PoolGeometry, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: g.outputCount)
        forEachWindow(g) { o, taps in y[o] = taps.reduce(0) { $0 + x[$1] } / divisor(g, taps) }
        return y
    }
    static func avgBackward(_ g: PoolGeometry, _ dy: [Double]) -> [Double] {
        var dx = [Double](repeating: 0, count: g.inputCount)
        forEachWindow(g) { o, taps in for t in taps { dx[t] += dy[o] / divisor(g, taps) } }
        return dx
    }
}

final class PoolingTests: XCTestCase {
    private func check<T: NetScalar>(_ g: PoolGeometry, _: T.Type, _ rng: inout RandomGenerator) {
        let xs: [T] = randomScalars(g.inputCount, &rng)
        let hs: [T] = randomScalars(g.inputCount, &rng)
        let dys: [T] = randomScalars(g.outputCount, &rng)
        let (xd, hd, dyd) = (xs.map(Double.init), hs.map(Double.init), dys.map(Double.init))
        let x = KBuf(xs), h = KBuf(hs), dy = KBuf(dys)
        let what = "\(T.dtypeName) \(g) countPad=\(g.countIncludesPadding)"

        // Max pool forward and indices.
        let (yref, argref) = NaivePool.maxForward(g, xd)
        let y = KBuf<T>(nan: g.outputCount), idx = KIndexBuf(count: g.outputCount)
        maxPoolForward(g, x: x.p, y: y.p, indices: idx.p)
        assertClose(y.array, yref, "maxPoolForward \(what)")
        let planeIdx = argref.enumerated().map { o, a in Int32(a - (o / g.outputPlane) * g.inputPlane) }
        XCTAssertEqual(idx.array, planeIdx, "maxPool indices \(what)")
        let y2 = KBuf<T>(nan: g.outputCount)
        maxPoolForward(g, x: x.p, y: y2.p)
        XCTAssertEqual(y2.array, y.array, "maxPoolForward without indices \(what)")

        // Max pool backward, recomputed and from indices, overwrite and accumulate.
        let dxref = NaivePool.maxBackward(g, xd, dyd)
        let dx = KBuf<T>(nan: g.inputCount), dxi = KBuf<T>(nan: g.inputCount)
        maxPoolBackward(g, x: x.p, dy: dy.p, dx: dx.p)
        maxPoolBackward(g, indices: idx.p, dy: dy.p, dx: dxi.p)
        assertClose(dx.array, dxref, "maxPoolBackward \(what)")
        assertClose(dxi.array, dxref, "maxPoolBackward(indices) \(what)")
        let dxAcc = KBuf(hs), dxiAcc = KBuf(hs)
        maxPoolBackward(g, x: x.p, dy: dy.p, dx: dxAcc.p, accumulate: true)
        maxPoolBackward(g, indices: idx.p, dy: dy.p, dx: dxiAcc.p, accumulate: true)
        let accRef = zip(hd, dxref).map { $0 + $1 }
        assertClose(dxAcc.array, accRef, "maxPoolBackward accumulate \(what)")
        assertClose(dxiAcc.array, accRef, "maxPoolBackward(indices) accumulate \(what)")

        // Max pool select, and its adjoint relation to the backward: <select(x, h), dy> = <h, backward(x, dy)>.
        let selref = NaivePool.maxSelect(g, xd, hd)
        let sel = KBuf<T>(nan: g.outputCount), seli = KBuf<T>(nan: g.outputCount)
        maxPoolSelect(g, x: x.p, h: h.p, out: sel.p)
        maxPoolSelect(g, indices: idx.p, h: h.p, out: seli.p)
        assertClose(sel.array, selref, "maxPoolSelect \(what)")
        assertClose(seli.array, selref, "maxPoolSelect(indices) \(what)")
        assertAdjoint(T.self, innerProduct(sel.doubles, dyd), innerProduct(hd, dx.doubles),
                      scale: sumAbsProducts(selref, dyd), "maxPool select/backward adjoint \(what)")

        // Average pool forward/backward, accumulate, adjoint.
        let aref = NaivePool.avgForward(g, xd)
        let a = KBuf<T>(nan: g.outputCount)
        avgPoolForward(g, x: x.p, y: a.p)
        assertClose(a.array, aref, "avgPoolForward \(what)")
        let daref = NaivePool.avgBackward(g, dyd)
        let da = KBuf<T>(nan: g.inputCount)
        avgPoolBackward(g, dy: dy.p, dx: da.p)
        assertClose(da.array, daref, "avgPoolBackward \(what)")
        let daAcc = KBuf(hs)
        avgPoolBackward(g, dy: dy.p, dx: daAcc.p, accumulate: true)
        assertClose(daAcc.array, zip(hd, daref).map { $0 + $1 }, "avgPoolBackward accumulate \(what)")
        assertAdjoint(T.self, innerProduct(a.doubles, dyd), innerProduct(xd, da.doubles),
                      scale: sumAbsProducts(aref, dyd), "avgPool adjoint \(what)")
    }

    private static let kernels2D = [(1, 1), (2, 2), (3, 3), (3, 1), (2, 3)]
    private static let strides2D = [(1, 1), (2, 2), (3, 3), (1, 2), (3, 1)]
    private static let pads2D = [(0, 0), (1, 1), (2, 2), (0, 1), (2, 0)]

    private func run2D<T: NetScalar>(_: T.Type) {
        var rng = RandomGenerator(seed: 21)
        var cases = 0
        for batch in [1, 3] { for channels in [1, 2, 4] { for (kh, kw) in Self.kernels2D {
            for (sh, sw) in Self.strides2D { for (ph, pw) in Self.pads2D where ph < kh && pw < kw {
                for countPad in [true, false] {
                    let g = PoolGeometry(batch: batch, channels: channels, inHeight: 7, inWidth: 5,
                                         kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                         padHeight: ph, padWidth: pw, countIncludesPadding: countPad)
                    check(g, T.self, &rng)
                    cases += 1
                }
            }}
        }}}
        XCTAssertGreaterThan(cases, 200)
    }

    private func run1D<T: NetScalar>(_: T.Type) {
        var rng = RandomGenerator(seed: 22)
        for batch in [1, 3] { for channels in [1, 3] { for length in [7, 12] {
            for k in [1, 2, 3, 5] { for s in [1, 2, 3, 5] { for p in [0, 1, 2] where p < k {
                for countPad in [true, false] {
                    let g = PoolGeometry(batch: batch, channels: channels, length: length, kernel: k, stride: s,
                                         padding: p, countIncludesPadding: countPad)
                    check(g, T.self, &rng)
                }
            }}}
        }}}
    }

    func testPool2DFloat64() { run2D(Double.self) }
    func testPool2DFloat32() { run2D(Float.self) }
    func testPool1DFloat64() { run1D(Double.self) }
    func testPool1DFloat32() { run1D(Float.self) }

    func testGeometry() {
        let g = PoolGeometry(batch: 2, channels: 3, inHeight: 7, inWidth: 5, kernelHeight: 3, kernelWidth: 2,
                             strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1)
        XCTAssertEqual(g.outHeight, 4)   // ⌊(7 + 2 − 3)/2⌋ + 1
        XCTAssertEqual(g.outWidth, 3)    // ⌊(5 + 2 − 2)/2⌋ + 1
        XCTAssertEqual(g.outputCount, 2 * 3 * 12)
        let g1 = PoolGeometry(batch: 1, channels: 1, length: 10, kernel: 2, stride: 2)
        XCTAssertEqual(g1.outHeight, 1)
        XCTAssertEqual(g1.outWidth, 5)
    }

    /// Ties go to the first position of the window in row-major order.
    func testMaxPoolTiesGoToFirst() {
        let g = PoolGeometry(batch: 1, channels: 1, inHeight: 2, inWidth: 4, kernelHeight: 2, kernelWidth: 2,
                             strideHeight: 2, strideWidth: 2)
        let x = KBuf<Double>([1, 3, 5, 5,
                              3, 2, 5, 5])
        let dy = KBuf<Double>([10, 20]), dx = KBuf<Double>(nan: 8), y = KBuf<Double>(nan: 2)
        let idx = KIndexBuf(count: 2)
        maxPoolForward(g, x: x.p, y: y.p, indices: idx.p)
        maxPoolBackward(g, x: x.p, dy: dy.p, dx: dx.p)
        XCTAssertEqual(y.array, [3, 5])
        XCTAssertEqual(idx.array, [1, 2])
        XCTAssertEqual(dx.array, [0, 10, 20, 0, 0, 0, 0, 0])
    }

    /// A concrete average pool with padding, both divisor conventions.
    func testAveragePoolPaddingConventions() {
        let x = KBuf<Double>([1, 2, 3, 4])
        let y = KBuf<Double>(nan: 3)
        let incl = PoolGeometry(batch: 1, channels: 1, length: 4, kernel: 2, stride: 2, padding: 1)
        avgPoolForward(incl, x: x.p, y: y.p)
        XCTAssertEqual(y.array, [0.5, 2.5, 2])
        let excl = PoolGeometry(batch: 1, channels: 1, length: 4, kernel: 2, stride: 2, padding: 1,
                                countIncludesPadding: false)
        avgPoolForward(excl, x: x.p, y: y.p)
        XCTAssertEqual(y.array, [1, 2.5, 4])
    }
}
