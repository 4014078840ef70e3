import XCTest
@testable import NetRuntime

/// Naive nested-loop references for the 1-D locally-connected layer, in Float64, written
/// straight from out[n,o,i] = Σ_{c,j} W[i,o,c·k+j]·xpad[n,c,i·s+j] + b[o,i].
private enum NaiveLC {
    static func forEachTap(_ g: LocallyConnected1DGeometry, _ body: (_ xi: Int, _ wi: Int, _ yi: Int) -> Void) {
        for n in 0..<g.batch { for o in 0..<g.outChannels { for i in 0..<g.outLength {
            let yi = (n * g.outChannels + o) * g.outLength + i
            for c in 0..<g.inChannels { for j in 0..<g.kernel {
                let pos = i * g.stride + j - g.padding
                guard pos >= 0, pos < g.length else { continue }
                body((n * g.inChannels + c) * g.length + pos, (i * g.outChannels + o) * g.patchSize + c * g.kernel + j, yi)
            }}
        }}}
    }
    static func forward(_ g: LocallyConnected1DGeometry, x: [Double], w: [Double], bias: [Double]?) -> [Double] {
        var y = [Double](repeating: 0, count: g.outputCount)
        if let bias { for i in y.indices { y[i] = bias[i % g.biasCount] } }
        forEachTap(g) { xi, wi, yi in y[yi] += w[wi] * x[xi] }
        return y
    }
    static func backwardInput(_ g: LocallyConnected1DGeometry, dy: [Double], w: [Double]) -> [Double] {
        var dx = [Double](repeating: 0, count: g.inputCount)
        forEachTap(g) { xi, wi, yi in dx[xi] += w[wi] * dy[yi] }
        return dx
    }
    static func backwardWeight(_ g: LocallyConnected1DGeometry, x: [Double], dy: [Double]) -> [Double] {
        var dw = [Double](repeating: 0, count: g.weightCount)
        forEachTap(g) { xi, wi, yi in dw[wi] += x[xi] * dy[yi] }
        return dw
    }
    static func backwardBias(_ g: LocallyConnected1DGeometry, dy: [Double]) -> [Double] {
        var db = [Double](repeating: 0, count: g.biasCount)
        for (i, v) in dy.enumerated() { db[i % g.biasCount] += v }
        return db
    }
}

final class LocallyConnectedTests: XCTestCase {
    private func check<T: NetScalar>(_ g: LocallyConnected1DGeometry, _: T.Type, _ rng: inout RandomGenerator) {
        let xs: [T] = randomScalars(g.inputCount, &rng)
        let ws: [T] = randomScalars(g.weightCount, &rng)
        let bs: [T] = randomScalars(g.biasCount, &rng)
        let dys: [T] = randomScalars(g.outputCount, &rng)
        let (xd, wd, bd, dyd) = (xs.map(Double.init), ws.map(Double.init), bs.map(Double.init), dys.map(Double.init))
        let x = KBuf(xs), w = KBuf(ws), b = KBuf(bs), dy = KBuf(dys)
        let work = KBuf<T>(nan: g.workspaceCount)
        let what = "\(T.dtypeName) \(g)"

        let y = KBuf<T>(nan: g.outputCount)
        locallyConnectedForward(g, x: x.p, w: w.p, bias: b.p, y: y.p, workspace: work.p)
        assertClose(y.array, NaiveLC.forward(g, x: xd, w: wd, bias: bd), "forward+bias \(what)")
        let y0 = KBuf<T>(nan: g.outputCount)
        locallyConnectedForward(g, x: x.p, w: w.p, bias: nil, y: y0.p, workspace: work.p)
        let y0ref = NaiveLC.forward(g, x: xd, w: wd, bias: nil)
        assertClose(y0.array, y0ref, "forward \(what)")

        let dx = KBuf<T>(nan: g.inputCount)
        locallyConnectedBackwardInput(g, dy: dy.p, w: w.p, dx: dx.p, workspace: work.p)
        let dxref = NaiveLC.backwardInput(g, dy: dyd, w: wd)
        assertClose(dx.array, dxref, "backwardInput \(what)")
        assertAdjoint(T.self, innerProduct(y0.doubles, dyd), innerProduct(xd, dx.doubles),
                      scale: sumAbsProducts(y0ref, dyd) + sumAbsProducts(xd, dxref), "adjoint input \(what)")
        let dxAcc = KBuf(xs)
        locallyConnectedBackwardInput(g, dy: dy.p, w: w.p, dx: dxAcc.p, workspace: work.p, accumulate: true)
        assertClose(dxAcc.array, zip(xd, dxref).map { $0 + $1 }, "backwardInput accumulate \(what)")

        let dw = KBuf<T>(nan: g.weightCount)
        locallyConnectedBackwardWeight(g, x: x.p, dy: dy.p, dw: dw.p, workspace: work.p)
        let dwref = NaiveLC.backwardWeight(g, x: xd, dy: dyd)
        assertClose(dw.array, dwref, "backwardWeight \(what)")
        assertAdjoint(T.self, innerProduct(y0.doubles, dyd), innerProduct(wd, dw.doubles),
                      scale: sumAbsProducts(y0ref, dyd) + sumAbsProducts(wd, dwref), "adjoint weight \(what)")
        let dwAcc = KBuf(ws)
        locallyConnectedBackwardWeight(g, x: x.p, dy: dy.p, dw: dwAcc.p, workspace: work.p, accumulate: true)
        assertClose(dwAcc.array, zip(wd, dwref).map { $0 + $1 }, "backwardWeight accumulate \(what)")

        let db = KBuf<T>(nan: g.biasCount)
        locallyConnectedBackwardBias(g, dy: dy.p, dbias: db.p)
        let dbref = NaiveLC.backwardBias(g, dy: dyd)
        assertClose(db.array, dbref, "backwardBias \(what)")
        let dbAcc = KBuf(bs)
        locallyConnectedBackwardBias(g, dy: dy.p, dbias: dbAcc.p, accumulate: true)
        assertClose(dbAcc.array, zip(bd, dbref).map { $0 + $1 }, "backwardBias accumulate \(what)")
    }

    private func run<T: NetScalar>(_: T.Type) {
        var rng = RandomGenerator(seed: 31)
        var cases = 0
        for batch in [1, 3] { for (cin, cout) in [(1, 1), (2, 3), (4, 2)] { for length in [7, 10] {
            for k in [1, 2, 3, 5] { for s in [1, 2, 3, 5] { for p in [0, 1, 2] {
                let g = LocallyConnected1DGeometry(batch: batch, inChannels: cin, outChannels: cout, length: length,
                                                   kernel: k, stride: s, padding: p)
                check(g, T.self, &rng)
                cases += 1
            }}}
        }}}
        XCTAssertEqual(cases, 576)
    }

    func testLocallyConnectedFloat64() { run(Double.self) }
    func testLocallyConnectedFloat32() { run(Float.self) }

    func testLargerLocallyConnectedFloat32() {
        var rng = RandomGenerator(seed: 32)
        let g = LocallyConnected1DGeometry(batch: 8, inChannels: 6, outChannels: 10, length: 64,
                                           kernel: 7, stride: 2, padding: 3)
        check(g, Float.self, &rng)
    }

    func testGeometry() {
        let g = LocallyConnected1DGeometry(batch: 2, inChannels: 3, outChannels: 4, length: 10,
                                           kernel: 3, stride: 2, padding: 1)
        XCTAssertEqual(g.outLength, 5)   // ⌊(10 + 2 − 3)/2⌋ + 1
        XCTAssertEqual(g.patchSize, 9)
        XCTAssertEqual(g.weightCount, 5 * 4 * 9)
        XCTAssertEqual(g.biasCount, 4 * 5)
        XCTAssertEqual(g.workspaceCount, 2 * (9 + 4))
    }
}
