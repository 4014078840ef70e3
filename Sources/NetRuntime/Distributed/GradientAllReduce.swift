/// Data parallelism for a training step: every rank computes the gradients of the mean
/// loss over its shard of the global batch; the average of the ranks' gradients is then
/// the gradient of the mean loss over the whole batch (equal shards), so after the same
/// optimiser step every rank holds the same parameters.
extension TrainingStep {
    /// Averages, over the ranks of `world`, the gradients of the last `computeGradients()`,
    /// the variables this step's updates wrote (running statistics; power-iteration vectors
    /// are the same on every rank, and the average of equal numbers is exact) and `loss`,
    /// with ONE MPI_Allreduce of a fused buffer [gradients…, updated state…, loss].
    /// Returns the mean loss (NaN on every rank when any rank's loss is NaN).
    /// Numbers in the fused buffer of one all-reduce (gradients, updated state, loss).
    public var fusedCount: Int {
        gradientBuffers.reduce(0) { $0 + $1.count } + updatedVariables.reduce(0) { $0 + $1.count } + 1
    }

    public func averageOverRanks(_ world: Communicator, loss: T) -> T {
        guard world.size > 1 else { return loss }
        let states = updatedVariables.map { executor.variables.buffer($0) }
        let count = gradientBuffers.reduce(0) { $0 + $1.count } + states.reduce(0) { $0 + $1.count } + 1
        if fused.count != count { fused = [T](repeating: 0, count: count) }
        let scale = 1 / T(world.size)
        fused.withUnsafeMutableBufferPointer { f in
            var offset = 0
            for g in gradientBuffers { for i in 0..<g.count { f[offset + i] = g[i] }; offset += g.count }
            for s in states { for i in 0..<s.count { f[offset + i] = s[i] }; offset += s.count }
            f[offset] = loss
            world.sum(f)
            offset = 0
            for g in gradientBuffers {
                // The gradient buffers are the executor's outputs; the optimiser reads them next.
                let target = UnsafeMutablePointer(mutating: g.baseAddress!)
                for i in 0..<g.count { target[i] = f[offset + i] * scale }
                offset += g.count
            }
            for s in states { for i in 0..<s.count { s[i] = f[offset + i] * scale }; offset += s.count }
        }
        return fused[count - 1] * scale
    }
}

extension Communicator {
    /// Sums a buffer of Float or Double numbers in place.
    func sum<T: NetScalar>(_ buffer: UnsafeMutableBufferPointer<T>) {
        guard let base = buffer.baseAddress else { return }
        let raw = UnsafeMutableRawPointer(base)
        if T.self == Float.self {
            sum(UnsafeMutableBufferPointer(start: raw.assumingMemoryBound(to: Float.self), count: buffer.count))
        } else {
            precondition(T.self == Double.self, "NetScalar is Float or Double")
            sum(UnsafeMutableBufferPointer(start: raw.assumingMemoryBound(to: Double.self), count: buffer.count))
        }
    }
}
