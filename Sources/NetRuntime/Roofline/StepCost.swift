/// The work of one run of planned executors (a training step), counted from the ops of the
/// plan — never typed in per workload — for the roofline account of `netl bench --profile`
/// (issue 27).
///
/// - Products: 2 FLOP per multiply-add of every op that is made of matrix products
///   (`ProductWork`: matmul, dense layers and chains, the three convolution kernels), kept
///   per GEMM shape so that each shape can be timed on OpenBLAS.
/// - Elementwise work: every other kernel counts one operation per element it writes, or
///   per element it reads when it reads more (reductions, broadcasts' gradients); the
///   optimiser one per parameter and state element it writes. Transcendentals count as 1,
///   so this side of the count is a lower bound, as a roofline bound must be.
/// - Compulsory bytes: what any implementation of the step must move between memory and
///   the cores at least once — every leaf buffer the kernels read (weights, inputs,
///   constants), every variable the run writes back, and the optimiser's update (each
///   parameter written, each state slot read and written). Intermediate values are not
///   counted: an ideal implementation might keep them in cache.
/// - Kernel traffic (for comparison): what the plan moves if every kernel streams its
///   distinct inputs and its output once.
public struct StepCost: Sendable {
    /// Multiply-adds per GEMM shape (a shape's `count` is folded into the key's single form).
    public var productMultiplyAdds: [GemmShape: Int] = [:]
    public var elementwiseOperations = 0
    public var compulsoryBytes = 0
    public var kernelTrafficBytes = 0
    public var kernels = 0

    public init() {}

    /// FLOP of the products: 2 per multiply-add.
    public var productFLOP: Int { 2 * productMultiplyAdds.values.reduce(0, +) }

    /// The cost of one run of each executor, plus an optimiser over `parameters` elements
    /// with `optimizerSlots` state buffers per element (Adam 2, SGD with momentum 1).
    public init<T: NetScalar>(executors: [Executor<T>], parameters: Int = 0, optimizerSlots: Int = 0) {
        let size = MemoryLayout<T>.stride
        for executor in executors {
            var leavesRead = Set<Int>()
            for planned in executor.plannedOperations {
                kernels += 1
                let outputCount = planned.outputShape.reduce(1, *)
                var distinct = Set<Int>()
                for (i, shape) in planned.inputShapes.enumerated() where distinct.insert(planned.inputBuffers[i]).inserted {
                    let count = shape.reduce(1, *)
                    kernelTrafficBytes += count * size
                    if planned.inputIsLeaf[i] && leavesRead.insert(planned.inputBuffers[i]).inserted {
                        compulsoryBytes += count * size
                    }
                }
                kernelTrafficBytes += outputCount * size
                if let products = planned.operation as? any ProductWork {
                    for shape in products.gemmShapes(planned.inputShapes) {
                        productMultiplyAdds[shape.single, default: 0] += shape.multiplyAdds
                    }
                } else {
                    elementwiseOperations += Swift.max(outputCount, planned.inputShapes.map { $0.reduce(1, *) }.max() ?? 0)
                }
            }
            compulsoryBytes += executor.updatedVariableCounts.reduce(0, +) * size
        }
        elementwiseOperations += parameters * (1 + optimizerSlots)
        compulsoryBytes += parameters * (1 + 2 * optimizerSlots) * size
    }
}

extension StepCost {
    /// The cost of training steps: their executors' runs and their optimisers' updates.
    public init<T: NetScalar>(trainingSteps: [TrainingStep<T>]) {
        self.init(executors: trainingSteps.map(\.executor))
        for step in trainingSteps {
            let optimizer = StepCost(executors: [Executor<T>](), parameters: step.optimizer.parameterSizes.reduce(0, +),
                                     optimizerSlots: step.optimizer.state.slotNames.count)
            elementwiseOperations += optimizer.elementwiseOperations
            compulsoryBytes += optimizer.compulsoryBytes
        }
    }
}
