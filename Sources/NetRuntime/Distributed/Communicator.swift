import CMPI
import Foundation

/// The ranks of a data-parallel job and the collective operations training needs.
///
/// `Communicator.single` is one process (rank 0 of 1; every operation is a no-op). Under
/// `mpirun`/`srun`, `Communicator.launched()` loads Open MPI at run time (Sources/CMPI) and
/// joins MPI_COMM_WORLD; a plain `netl run` never loads libmpi.
public final class Communicator: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// True when this process belongs to an MPI job (even one of size 1).
    public let usesMPI: Bool
    private var finalized = false
    /// Time spent in MPI_Allreduce of Float buffers (the gradient all-reduces), and calls.
    public private(set) var reduceSeconds = 0.0
    public private(set) var reduceCalls = 0
    /// CPU time of this process spent in those all-reduces (Open MPI polls while it waits).
    public private(set) var reduceCPUSeconds = 0.0

    /// CPU time of this process so far (all threads), for measuring a rank's own work on a
    /// busy machine, where wall time also counts the time other processes ran.
    public static var processCPUSeconds: Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    private init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank; self.size = size; self.usesMPI = usesMPI
    }

    /// One process, no MPI.
    public static let single = Communicator(rank: 0, size: 1, usesMPI: false)

    /// Rank 0 prints, draws progress and writes files.
    public var isPrimary: Bool { rank == 0 }

    /// Whether an MPI launcher started this process (reads the environment only).
    public static var isLaunchedByMPI: Bool { netl_mpi_launched() != 0 }

    /// The job's communicator when an MPI launcher started this process, else `single`.
    /// Throws `CommunicatorError` when the launcher is there but Open MPI cannot be used.
    public static func launched() throws -> Communicator {
        guard isLaunchedByMPI else { return .single }
        var rank: Int32 = 0, size: Int32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let rc = netl_mpi_init(&rank, &size, &message, message.count)
        guard rc == 0 else { throw CommunicatorError(message: String(cString: message)) }
        let world = Communicator(rank: Int(rank), size: Int(size), usesMPI: true)
        // Open MPI connects the ranks on first use: do it now, so the first training step's
        // all-reduce (and its measured share of the step) does not include it.
        _ = world.sum([0])
        return world
    }

    /// Sums `buffer` over the ranks in place (every rank gets the sum).
    public func sum(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard size > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.processCPUSeconds
        check(netl_mpi_allreduce_sum_float(base, buffer.count), "MPI_Allreduce")
        reduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        reduceCPUSeconds += Self.processCPUSeconds - cpuStart
        reduceCalls += 1
    }

    public func sum(_ buffer: UnsafeMutableBufferPointer<Double>) {
        guard size > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        check(netl_mpi_allreduce_sum_double(base, buffer.count), "MPI_Allreduce")
    }

    /// Sums numbers over the ranks.
    public func sum(_ values: [Double]) -> [Double] {
        var v = values
        v.withUnsafeMutableBufferPointer { sum($0) }
        return v
    }

    /// Whether every rank passed the same `values`, and their means over the ranks: one
    /// all-reduce of the values and their squares (all equal ⇔ zero variance).
    public func agreement(_ values: [Double]) -> (agrees: [Bool], means: [Double]) {
        guard size > 1 else { return (values.map { _ in true }, values) }
        let sums = sum(values + values.map { $0 * $0 })
        let n = Double(size)
        let means = (0..<values.count).map { sums[$0] / n }
        let agrees = (0..<values.count).map { i in
            abs(sums[values.count + i] / n - means[i] * means[i]) <= 1e-9 * (means[i] * means[i] + 1)
        }
        return (agrees, means)
    }

    /// Set when every rank found the same collective failure (a disagreement): each then
    /// reports it before any stops the job, so the message appears on every rank.
    public private(set) var failedTogether = false
    public func noteCollectiveFailure() { failedTogether = true }

    /// Copies rank `root`'s bytes into every rank's buffer.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int = 0) {
        guard size > 1, let base = buffer.baseAddress, buffer.count > 0 else { return }
        check(netl_mpi_broadcast(base, buffer.count, Int32(root)), "MPI_Bcast")
    }

    /// Rank `root`'s tensors copied into every rank's (in one message; shapes must agree).
    public func broadcast<T>(_ tensors: inout [Tensor<T>], root: Int = 0) {
        guard size > 1 else { return }
        var flat = tensors.flatMap(\.scalars)
        flat.withUnsafeMutableBytes { broadcast($0, root: root) }
        var offset = 0
        for i in tensors.indices {
            let n = tensors[i].count
            tensors[i] = Tensor(shape: tensors[i].shape, scalars: Array(flat[offset..<(offset + n)]))
            offset += n
        }
    }

    /// Stops every rank of the job with `code` (MPI_Abort); in one process, exits.
    public func abort(code: Int32) -> Never {
        if usesMPI { netl_mpi_abort(code) }
        exit(code)
    }

    /// Ends MPI at the end of a successful run (MPI_Finalize waits for the other ranks).
    public func finalize() {
        guard usesMPI, !finalized else { return }
        finalized = true
        _ = netl_mpi_finalize()
    }

    /// A failed collective leaves the ranks out of step: nothing sensible can follow.
    private func check(_ rc: Int32, _ call: String) {
        guard rc != 0 else { return }
        FileHandle.standardError.write("rank \(rank): \(call) failed (code \(rc))\n".data(using: .utf8)!)
        abort(code: 1)
    }
}

/// Open MPI could not be loaded or initialised although a launcher started the process.
public struct CommunicatorError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
