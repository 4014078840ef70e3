import Foundation
import NetRuntime

/// Post-training verification of Lipschitz constraints (Remark 4.9): for every residual
/// block of an invertible network, every layer of its body g is measured on its current
/// values in Float64 — a constrained weight's effective weight W / max(1, σ̂/c), the one
/// inference uses, exactly by SVD (dense; convolutions on at most 1,024 input values, from
/// the operator's matrix) or by subspace iteration to convergence on the operator (larger
/// convolutions); an activation's largest slope; a normalisation's largest scale
/// — next to its nominal bound and the training-time estimate σ̂. A block's measured
/// product bounds Lip(g); Thm. 4.1 needs it below 1.
public enum LipschitzVerification {
    public static func verify(_ flow: Flow, variables: VariableStore<Float>) -> [LipschitzReport] {
        flow.lipschitzReports(VariableStore<Double>(converting: variables)).map(\.report)
    }

    /// The largest input size whose convolution operator is measured by an exact SVD.
    static let exactLimit = 1024

    /// A planned Float64 graph of the convolution operator A of a layer on one input
    /// [1] + inputShape: v ↦ (AᵀA v, A v).
    struct OperatorPlan {
        let executor: Executor<Double>
        let input: Node, forward: Node, back: Node

        init(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int]) {
            let g = Graph()
            let weight = g.constant(w)
            let oneD = inputShape.count == 2
            input = g.input("v", shape: [1] + inputShape)
            forward = oneD ? input.conv1d(weight, stride: conv.stride, padding: conv.padding)
                           : input.conv2d(weight, stride: conv.stride, padding: conv.padding)
            back = oneD ? forward.transposedConv1d(weight, stride: conv.stride, padding: conv.padding, outputLength: inputShape[1])
                        : forward.transposedConv2d(weight, stride: conv.stride, padding: conv.padding,
                                                   outputSize: (inputShape[1], inputShape[2]))
            executor = Executor<Double>(graph: g, outputs: [back, forward])
        }

        /// One power-iteration step from x (normalised here): (AᵀA x̂, A x̂).
        func step(_ x: Tensor<Double>) -> (next: Tensor<Double>, image: Tensor<Double>)? {
            let n = x.scalars.map { $0 * $0 }.reduce(0, +).squareRoot()
            guard n > 0 else { return nil }
            executor.setInput(input, Tensor(shape: x.shape, scalars: x.scalars.map { $0 / n }))
            executor.run()
            return (executor.value(back), executor.value(forward))
        }
    }

    /// The unit output-space vector u = A v/‖A v‖ after power iterations on the
    /// convolution operator A (shape of the layer's output, no batch axis): `iterations`
    /// of them, or fewer once u moves by less than `tolerance`.
    /// `start` (an output-space vector, e.g. the stored u) warm-starts the iteration from
    /// Aᵀ·start.
    static func topOutputVector(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int], iterations: Int,
                                tolerance: Double = 0, start: Tensor<Double>? = nil) -> Tensor<Double> {
        let plan = OperatorPlan(w, conv: conv, inputShape: inputShape)
        var rng = RandomGenerator(seed: 777)
        var x = Tensor<Double>.randomNormal([1] + inputShape, rng: &rng)
        if let start, let warm = adjoint(w, conv: conv, inputShape: inputShape, start), warm.scalars.contains(where: { $0 != 0 }) { x = warm }
        var u: [Double] = []
        for _ in 0..<max(1, iterations) {
            guard let (next, image) = plan.step(x) else { break }
            x = next
            let n = max(image.scalars.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-300)
            let newU = image.scalars.map { $0 / n }
            let moved = u.isEmpty ? Double.infinity : zip(newU, u).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            u = newU
            if moved <= tolerance { break }
        }
        return Tensor(shape: conv.outputShapeOrInput(inputShape), scalars: u)
    }

    /// Aᵀu for an output-space vector u of the convolution A (nil when u does not fit).
    static func adjoint(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int], _ u: Tensor<Double>) -> Tensor<Double>? {
        let outputShape = conv.outputShapeOrInput(inputShape)
        guard u.count == outputShape.reduce(1, *) else { return nil }
        let g = Graph()
        let weight = g.constant(w)
        let input = g.input("u", shape: [1] + outputShape)
        let back = inputShape.count == 2
            ? input.transposedConv1d(weight, stride: conv.stride, padding: conv.padding, outputLength: inputShape[1])
            : input.transposedConv2d(weight, stride: conv.stride, padding: conv.padding, outputSize: (inputShape[1], inputShape[2]))
        return g.evaluate([back], as: Double.self, inputs: [input: u.reshaped([1] + outputShape)])[0]
    }

    /// ‖conv‖₂ in Float64, by subspace iteration on the operator to convergence.
    /// `start` (an output-space vector such as the stored u) warm-starts it from Aᵀ·start.
    /// Operators on at most `exactLimit` input values are measured exactly instead: the
    /// matrix of A from the images of the unit vectors, and its SVD.
    static func convolutionNorm(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int], start: Tensor<Double>? = nil) -> Double {
        if let transposed = transposedOperatorMatrix(w, conv: conv, inputShape: inputShape),
           let norm = try? spectralNorm(transposed) { return norm }
        return iteratedConvolutionNorm(w, conv: conv, inputShape: inputShape, start: start)
    }

    /// Aᵀ as an explicit [input size, output size] matrix (row i = A eᵢ, the images of the
    /// unit vectors), for operators on at most `exactLimit` input values; nil for larger ones.
    static func transposedOperatorMatrix(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int]) -> Tensor<Double>? {
        transposedOperatorMatrix(inputShape: inputShape) { g, x in conv.linearPart(x, weight: g.constant(w)) }
    }

    /// Aᵀ of any linear layer map `linear` (built in the graph it is given), as above.
    static func transposedOperatorMatrix(inputShape: [Int], linear: (Graph, Node) -> Node) -> Tensor<Double>? {
        let size = inputShape.reduce(1, *)
        guard size <= exactLimit else { return nil }
        let g = Graph()
        var eye = Tensor<Double>.zeros([size, size])
        for i in 0..<size { eye[i, i] = 1 }
        let transposed = g.evaluate([linear(g, g.constant(eye.reshaped([size] + inputShape)))], as: Double.self)[0]
        return transposed.reshaped([size, transposed.count / size])
    }

    /// ‖conv‖₂ by subspace iteration on the operator (see `convolutionNorm` and
    /// `OperatorSubspaceIteration`).
    static func iteratedConvolutionNorm(_ w: Tensor<Double>, conv: Convolution, inputShape: [Int], start: Tensor<Double>?) -> Double {
        OperatorSubspaceIteration.top(w, conv: conv, inputShape: inputShape, start: start).sigma
    }
}

extension Convolution {
    /// x ↦ A x, the layer's linear map with weight `weight` (its stride and padding, no bias).
    func linearPart(_ x: Node, weight: Node) -> Node {
        x.rank == 3 ? x.conv1d(weight, stride: stride, padding: padding)
                    : x.conv2d(weight, stride: stride, padding: padding)
    }

    /// The output shape for an input shape known to fit.
    func outputShapeOrInput(_ input: [Int]) -> [Int] { (try? outputShape(for: input)) ?? input }
}
