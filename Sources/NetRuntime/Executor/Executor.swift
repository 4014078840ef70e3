import Dispatch

/// Plans the part of a graph needed for some outputs once, then runs it many times.
///
/// Planning (in `init`) orders the needed nodes, gives every intermediate value a place
/// in one arena — reusing the place of a value whose last reader has run — and builds
/// each node's kernel as a closure over fixed pointers. `run()` then only calls those
/// closures: no allocation, no graph walking, no dictionary look-ups per step (BRIEF:
/// "compile once, run many steps"). Inputs are copied into their buffers by `setInput`;
/// variables live in the shared `VariableStore`; `updates` copy computed values into
/// variables after each run (power-iteration vectors, running statistics).
public final class Executor<T: NetScalar>: @unchecked Sendable {
    public let graph: Graph
    public let variables: VariableStore<T>
    public let outputs: [Node]
    /// Wrapped in a struct so that reading one back from the array needs no reabstraction
    /// thunk (a closure stored directly in a generic container does, in debug builds).
    private struct PlannedKernel { let run: Kernel }
    private var kernels: [PlannedKernel] = []
    private var kernelNames: [String] = []
    /// Multiply-adds per run of each kernel (0 where the op does not count them).
    private var kernelMultiplyAdds: [Int] = []
    /// Each kernel's operation and input nodes, in run order (`plannedOperations`).
    private var kernelOperations: [PlannedOperation] = []
    private var pointers: [Int: UnsafeMutablePointer<T>] = [:]
    private var owned: [UnsafeMutableRawPointer] = []
    private let updates: [(variable: UnsafeMutablePointer<T>, value: UnsafeMutablePointer<T>, count: Int)]
    private let random: RandomStream
    /// Bytes of the intermediate-value arena (after reuse), for reports.
    public private(set) var arenaBytes = 0
    /// Bytes of the transient scratch buffer the kernels share (`KernelContext.scratch`).
    public private(set) var scratchBytes = 0
    /// Number of kernels run per execution.
    public var kernelCount: Int { kernels.count }

    /// Plans execution of `outputs`, followed by `updates` (variable ← value).
    /// `keepsNodes`: the graph keeps the nodes this plan runs through later
    /// `Graph.release(from:)` calls, as a plan that outlives the caller needs; a one-off
    /// evaluation (`Graph.evaluate`) does not.
    public init(graph: Graph, outputs: [Node], variables: VariableStore<T>? = nil,
                updates: [(variable: Node, value: Node)] = [], seed: UInt64 = 0, keepsNodes: Bool = true) {
        self.graph = graph
        self.outputs = outputs
        let store = variables ?? VariableStore<T>(graph)
        store.syncWithGraph()
        self.variables = store
        self.random = RandomStream(seed: seed)

        // 1. The nodes needed, in graph (= topological) order.
        var needed = [Bool](repeating: false, count: graph.count)
        var stack = outputs.map(\.id) + updates.map(\.value.id)
        while let id = stack.popLast() {
            if needed[id] { continue }
            needed[id] = true
            stack.append(contentsOf: graph.record(id).inputs)
        }
        let order = (0..<graph.count).filter { needed[$0] }
        if keepsNodes, let last = order.last { graph.keep(throughID: last) }

        // 2. Which buffer ("root") each node's value lives in, and how often it is read.
        var root = [Int](repeating: -1, count: graph.count)
        var readers = [Int](repeating: 0, count: graph.count)
        var pinned = Set(outputs.map(\.id) + updates.map(\.value.id))
        for id in order {
            let r = graph.record(id)
            root[id] = r.operation.aliasesFirstInput ? root[r.inputs[0]] : id
            for i in Set(r.inputs) { readers[root[i]] += 1 }
        }
        pinned = Set(pinned.map { root[$0] })
        // Dense layers with activations whose intermediate values nothing else reads run
        // as one kernel at the chain's last node; the other nodes get no buffer.
        let chains = DenseChainFusion.chains(in: graph, order: order, root: root, pinned: pinned)
        var chainEndingAt: [Int: DenseChainFusion.Chain] = [:]
        var absorbed = Set<Int>()
        for chain in chains {
            chainEndingAt[chain.nodes.last!] = chain
            absorbed.formUnion(chain.nodes.dropLast())
        }

        // 3. Offsets in the arena: a simulated allocator with exact-size free lists.
        let align = 16
        func rounded(_ n: Int) -> Int { (Swift.max(n, 1) + align - 1) / align * align }
        var offsets: [Int: Int] = [:]
        var free: [Int: [Int]] = [:]
        var arenaSize = 0
        var leafBuffers: [Int: UnsafeMutablePointer<T>] = [:]
        for id in order where !absorbed.contains(id) {
            let r = graph.record(id)
            let op = r.operation
            let count = r.shape.reduce(1, *)
            if op is VariableOp {
                leafBuffers[id] = store.buffer(Node(graph: graph, id: id)).baseAddress!
            } else if op is InputOp || op is ConstantOp {
                let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(count, 1))
                p.initialize(repeating: 0, count: Swift.max(count, 1))
                if let c = op as? ConstantOp { for (i, x) in c.value.scalars.enumerated() { p[i] = T(x) } }
                owned.append(UnsafeMutableRawPointer(p))
                leafBuffers[id] = p
            } else if root[id] == id {
                let size = rounded(count)
                if var list = free[size], let off = list.popLast() {
                    free[size] = list
                    offsets[id] = off
                } else {
                    offsets[id] = arenaSize
                    arenaSize += size
                }
            }
            // Release inputs whose last reader this node is (for a fused chain, the
            // inputs of all its nodes, which its one kernel reads).
            for node in chainEndingAt[id]?.nodes ?? [id] {
                for i in Set(graph.record(node).inputs) {
                    let ri = root[i]
                    readers[ri] -= 1
                    if readers[ri] == 0, !pinned.contains(ri), let off = offsets[ri] {
                        free[rounded(graph.record(ri).shape.reduce(1, *)), default: []].append(off)
                    }
                }
            }
        }
        let arena = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(arenaSize, 1))
        arena.initialize(repeating: 0, count: Swift.max(arenaSize, 1))
        owned.append(UnsafeMutableRawPointer(arena))
        arenaBytes = arenaSize * MemoryLayout<T>.stride

        // 4. Kernels over fixed pointers.
        func pointer(_ id: Int) -> UnsafeMutablePointer<T> {
            let r = root[id]
            return leafBuffers[r] ?? arena + offsets[r]!
        }
        var workspaces: [UnsafeMutableRawPointer] = []
        var scratchRegions: [ScratchBuffer<T>] = []
        var scratchSize = 0
        for id in order where !absorbed.contains(id) {
            pointers[id] = pointer(id)
            let r = graph.record(id)
            if r.inputs.isEmpty && !(r.operation is RandomOp) { continue }
            if r.operation.aliasesFirstInput { continue }
            let chain = chainEndingAt[id]
            let operation: any Operation = chain?.operation ?? r.operation
            let inputs = chain?.inputs ?? r.inputs
            let context = KernelContext<T>(
                inputs: inputs.map(pointer), inputShapes: inputs.map { graph.record($0).shape },
                output: pointer(id), outputShape: r.shape, random: random,
                workspace: { n in
                    let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(n, 1))
                    p.initialize(repeating: 0, count: Swift.max(n, 1))
                    workspaces.append(UnsafeMutableRawPointer(p))
                    return p
                },
                scratch: { [kernelStart = scratchRegions.count] n in
                    // Regions of one kernel follow each other from offset 0.
                    let offset = scratchRegions[kernelStart...].map { rounded($0.count) }.reduce(0, +)
                    let region = ScratchBuffer<T>(offset: offset, count: Swift.max(n, 1))
                    scratchRegions.append(region)
                    scratchSize = Swift.max(scratchSize, offset + rounded(n))
                    return region
                })
            kernels.append(PlannedKernel(run: operation.makeKernel(context)))
            kernelNames.append(operation.name + "\(r.shape)")
            kernelMultiplyAdds.append(operation.multiplyAdds(inputs.map { graph.record($0).shape }) ?? 0)
            kernelOperations.append(PlannedOperation(
                operation: operation, inputShapes: inputs.map { graph.record($0).shape }, inputBuffers: inputs.map { root[$0] },
                inputIsLeaf: inputs.map { leafBuffers[root[$0]] != nil }, outputShape: r.shape))
        }
        owned.append(contentsOf: workspaces)
        let scratch = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(scratchSize, 1))
        scratch.initialize(repeating: 0, count: Swift.max(scratchSize, 1))
        owned.append(UnsafeMutableRawPointer(scratch))
        for region in scratchRegions { region.pointer = scratch + region.offset }
        scratchBytes = scratchSize * MemoryLayout<T>.stride
        self.updates = updates.map { u in
            precondition(u.variable.operation is VariableOp && u.variable.shape == u.value.shape)
            return (store.buffer(u.variable).baseAddress!, pointer(u.value.id), u.value.count)
        }
    }

    deinit { for p in owned { p.deallocate() } }

    /// Runs every planned kernel once, then the variable updates.
    ///
    /// Index loops, not `for k in kernels`: unoptimised (debug) builds run the generic
    /// iterator unspecialised, whose element accessor allocates a coroutine frame (and a
    /// reabstraction thunk for a stored closure) per element — then every step would
    /// allocate once per kernel. Optimised builds allocate nothing either way.
    public func run() {
        kernels.withUnsafeBufferPointer { planned in
            var i = 0
            while i < planned.count { planned[i].run(); i += 1 }
        }
        var j = 0
        while j < updates.count {
            let u = updates[j]
            u.variable.update(from: u.value, count: u.count)
            j += 1
        }
    }

    /// The planned kernels in run order, each with its op name and output shape (tests
    /// check that none allocates; profiling).
    public var namedKernels: [(name: String, run: Kernel)] { zip(kernelNames, kernels).map { ($0, $1.run) } }

    /// A planned kernel's operation (a fused chain's `DenseChainOp` for the chain), its input
    /// and output shapes, and per input the buffer it reads (node id of the buffer's owner)
    /// and whether that buffer is a leaf — a variable, input or constant, which a run must
    /// read from memory at least once.
    public struct PlannedOperation {
        public let operation: any Operation
        public let inputShapes: [[Int]]
        public let inputBuffers: [Int]
        public let inputIsLeaf: [Bool]
        public let outputShape: [Int]
    }

    /// What every kernel computes, in run order (the roofline account, `StepCost`).
    public var plannedOperations: [PlannedOperation] { kernelOperations }

    /// The variables written after each run and their element counts.
    public var updatedVariableCounts: [Int] { updates.map(\.count) }

    /// One line of a profile: a kernel name with its output shape, the milliseconds per
    /// run its kernels take together, how many kernels share the name, and their rate in
    /// GFLOP/s (2 FLOP per multiply-add) for ops that count multiply-adds.
    public struct ProfileEntry {
        public let kernel: String
        public let ms: Double
        public let count: Int
        public let gflops: Double?
    }

    /// Runs the plan `runs` times timing every kernel; returns the time per run by kernel
    /// name and output shape, largest first (`netl bench --profile`).
    public func profile(runs: Int = 3) -> [ProfileEntry] {
        var totals: [String: Double] = [:]
        var counts: [String: Int] = [:]
        var multiplyAdds: [String: Int] = [:]
        for (name, work) in zip(kernelNames, kernelMultiplyAdds) {
            counts[name, default: 0] += 1
            multiplyAdds[name, default: 0] += work
        }
        for _ in 0..<runs {
            for (k, name) in zip(kernels, kernelNames) {
                let start = DispatchTime.now().uptimeNanoseconds
                k.run()
                totals[name, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(runs)
            }
            for u in updates { u.variable.update(from: u.value, count: u.count) }
        }
        return totals.map { name, ms in
            let work = multiplyAdds[name]!
            return ProfileEntry(kernel: name, ms: ms, count: counts[name]!,
                                gflops: work > 0 && ms > 0 ? 2 * Double(work) / (ms * 1e-3) / 1e9 : nil)
        }.sorted { $0.ms > $1.ms }
    }

    /// Copies a value into an input's buffer.
    public func setInput(_ input: Node, _ value: Tensor<T>) {
        precondition(value.shape == input.shape, "\(input.operation.name): shape \(value.shape), expected \(input.shape)")
        let p = inputPointer(input)
        value.scalars.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: $0.count) }
    }

    /// The buffer of an input, to fill in place (e.g. a mini-batch gathered directly).
    public func inputPointer(_ input: Node) -> UnsafeMutablePointer<T> {
        precondition(input.operation is InputOp, "\(input) is not an input")
        guard let p = pointers[input.id] else { preconditionFailure("\(input) is not used by this executor") }
        return p
    }

    /// Whether this executor reads the given input.
    public func uses(_ input: Node) -> Bool { pointers[input.id] != nil }

    /// A copy of an output (or any node the plan computed and kept).
    public func value(_ node: Node) -> Tensor<T> {
        let p = pointer(node)
        return Tensor(shape: node.shape, scalars: Array(UnsafeBufferPointer(start: p, count: node.count)))
    }

    /// The buffer of an output, valid until the next `run()`.
    public func pointer(_ node: Node) -> UnsafeMutablePointer<T> {
        guard let p = pointers[node.id] else { preconditionFailure("\(node) is not computed by this executor") }
        return p
    }

    /// The first element of a scalar output.
    public func scalar(_ node: Node) -> T { pointer(node)[0] }

    /// The executor's random stream (to carry it from one training block to the next).
    public var randomGenerator: RandomGenerator {
        get { random.generator }
        set { random.generator = newValue }
    }

    /// Reseeds the executor's random stream.
    public func reseed(_ seed: UInt64) { random.generator = RandomGenerator(seed: seed) }
}

extension Graph {
    /// Computes `nodes` once (no planning reuse): for tests, the REPL and one-off values.
    public func evaluate<T: NetScalar>(_ nodes: [Node], as: T.Type = T.self,
                                      inputs: [Node: Tensor<T>] = [:], variables: VariableStore<T>? = nil,
                                      seed: UInt64 = 0) -> [Tensor<T>] {
        let exec = Executor<T>(graph: self, outputs: nodes, variables: variables, seed: seed, keepsNodes: false)
        for (node, value) in inputs where exec.uses(node) { exec.setInput(node, value) }
        exec.run()
        return nodes.map { exec.value($0) }
    }
}
