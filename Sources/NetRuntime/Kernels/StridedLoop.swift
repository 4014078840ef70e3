/// Iteration over a shape for several operands that broadcast against it, planned once.
///
/// Broadcasting (NumPy rules, shapes aligned at the right) gives each operand a stride of
/// 0 along the dimensions where it has size 1. Adjacent dimensions that every operand
/// walks contiguously are merged, so `[N,C] + [C]` becomes two loops and equal shapes
/// become one; the innermost loop is a run with strides 0 or 1 that the element kernels
/// specialise.
public struct StridedLoop: Sendable {
    /// Loop extents, outermost first; the last one is the inner run.
    public private(set) var extents: [Int]
    /// strides[operand][dimension], in elements.
    public private(set) var strides: [[Int]]
    /// The number of positions visited (the product of the extents), computed once: kernels
    /// read it at every run, where `extents.reduce` would allocate in debug builds.
    public private(set) var elementCount: Int

    /// Plans iteration over `shape`; operand 0 is contiguous over `shape`, the others
    /// broadcast against it.
    public init(shape: [Int], operands: [[Int]]) {
        let rank = shape.count
        var all: [[Int]] = [contiguousStrides(shape)]
        for s in operands {
            precondition(s.count <= rank, "operand \(s) has more dimensions than \(shape)")
            let aligned = Array(repeating: 1, count: rank - s.count) + s
            let cs = contiguousStrides(aligned)
            all.append((0..<rank).map { d in
                precondition(aligned[d] == shape[d] || aligned[d] == 1, "\(s) does not broadcast to \(shape)")
                return aligned[d] == 1 ? 0 : cs[d]
            })
        }
        self.init(extents: shape, strides: all)
    }

    /// Plans iteration over `extents` with explicit per-operand strides (permutations,
    /// slices): operand k visits element Σ_d index_d · strides[k][d].
    public init(extents shape: [Int], strides all: [[Int]]) {
        let rank = shape.count
        // Drop dimensions of size 1, then merge mergeable neighbours.
        var ext: [Int] = []
        var str: [[Int]] = Array(repeating: [], count: all.count)
        for d in 0..<rank where shape[d] != 1 {
            if let last = ext.indices.last,
               all.indices.allSatisfy({ str[$0][last] == all[$0][d] * shape[d] }) {
                ext[last] *= shape[d]
                for k in all.indices { str[k][last] = all[k][d] }
            } else {
                ext.append(shape[d])
                for k in all.indices { str[k].append(all[k][d]) }
            }
        }
        if ext.isEmpty { ext = [1]; str = str.map { _ in [1] } }
        if shape.contains(0) { ext = [0]; str = str.map { _ in [1] } }
        extents = ext
        strides = str
        elementCount = ext.reduce(1, *)
    }

    /// Calls `run(length, offsets)` for every inner run: `offsets[k]` is where operand k
    /// starts; inside the run operand k advances by `innerStride(k)` per element.
    @inline(__always)
    public func forEachRun(_ run: (Int, UnsafePointer<Int>) -> Void) {
        forEachRun(outer: 0..<(extents.count == 1 ? 1 : extents[0]), run)
    }

    /// `forEachRun` restricted to the indices `outer` of the outermost dimension (of a loop
    /// with at least two dimensions; a one-dimensional loop ignores `outer`).
    @inline(__always)
    func forEachRun(outer: Range<Int>, _ run: (Int, UnsafePointer<Int>) -> Void) {
        let depth = extents.count
        let ops = strides.count
        if depth > 1 && outer.isEmpty { return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: ops * 2 + depth) { scratch in
            let offsets = scratch.baseAddress!
            let counter = offsets + ops
            for k in 0..<ops { offsets[k] = 0 }
            for d in 0..<depth { counter[d] = 0 }
            let inner = extents[depth - 1]
            if depth == 1 { run(inner, UnsafePointer(offsets)); return }
            counter[0] = outer.lowerBound
            for k in 0..<ops { offsets[k] = outer.lowerBound * strides[k][0] }
            while true {
                run(inner, UnsafePointer(offsets))
                // Advance the odometer over the outer dimensions.
                var d = depth - 2
                while d >= 0 {
                    counter[d] += 1
                    for k in 0..<ops { offsets[k] += strides[k][d] }
                    if counter[d] < (d == 0 ? outer.upperBound : extents[d]) { break }
                    for k in 0..<ops { offsets[k] -= strides[k][d] * extents[d] }
                    counter[d] = 0
                    d -= 1
                }
                if d < 0 { return }
            }
        }
    }

    /// `forEachRun` with the outermost dimension split between the compute threads when
    /// the loop is large. Only for loops whose operand 0 (the output) is written at
    /// disjoint places for different outer indices (a non-zero outer stride).
    @inline(__always)
    public func forEachRunInParallel(minimumElements: Int = 65_536, _ run: (Int, UnsafePointer<Int>) -> Void) {
        let depth = extents.count
        let threads = computeThreads
        guard depth > 1, threads > 1, extents[0] >= 2, strides[0][0] != 0,
              elementCount >= minimumElements else { forEachRun(run); return }
        let chunks = Swift.min(threads, extents[0])
        let size = (extents[0] + chunks - 1) / chunks
        parallelFor(chunks) { c in
            let lo = Swift.min(extents[0], c * size)
            forEachRun(outer: lo..<Swift.min(extents[0], lo + size), run)
        }
    }

    /// The stride of operand k inside an inner run (0 or 1 for broadcast operands).
    public func innerStride(_ k: Int) -> Int { strides[k][extents.count - 1] }
}

/// Row-major strides of a shape.
public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var s = Array(repeating: 1, count: shape.count)
    var acc = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) { s[d] = acc; acc *= shape[d] }
    return s
}

/// The broadcast of two shapes (NumPy rules), or nil when they do not broadcast.
public func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    let pa = Array(repeating: 1, count: rank - a.count) + a
    let pb = Array(repeating: 1, count: rank - b.count) + b
    var out: [Int] = []
    for (x, y) in zip(pa, pb) {
        if x == y || y == 1 { out.append(x) } else if x == 1 { out.append(y) } else { return nil }
    }
    return out
}

import Dispatch
