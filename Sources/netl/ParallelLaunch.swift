import ArgumentParser
import Foundation
import NetLang
import NetRuntime

/// `mpirun -np N netl run script.net`: joins the MPI job when an MPI launcher started this
/// process (a plain `netl run` loads no MPI library), sets each rank's threads, and makes
/// every rank but 0 silent.
func joinWorld(_ interpreter: Interpreter) throws -> Communicator {
    let world: Communicator
    do { world = try Communicator.launched() } catch {
        FileHandle.standardError.write("error: \(error)\n".data(using: .utf8)!)
        throw ExitCode(1)
    }
    guard world.usesMPI else { return world }
    setComputeThreads(threadsPerRank(ProcessInfo.processInfo.environment))
    interpreter.world = world
    if !world.isPrimary {
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
    }
    return world
}

/// OPENBLAS_NUM_THREADS when set; otherwise the cores shared by the ranks on this node
/// (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE, Slurm's SLURM_NTASKS_PER_NODE), at least 1, so
/// threads × ranks ≤ cores.
func threadsPerRank(_ environment: [String: String]) -> Int {
    if let n = environment["OPENBLAS_NUM_THREADS"].flatMap({ Int($0) }), n >= 1 { return n }
    let local = (environment["OMPI_COMM_WORLD_LOCAL_SIZE"] ?? environment["SLURM_NTASKS_PER_NODE"]).flatMap { Int($0) } ?? 1
    return max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, local))
}

/// An error on one rank of a data-parallel job: reported with the rank, then every rank is
/// stopped (MPI_Abort), so the others do not wait for it in an all-reduce.
func reportAndStop(_ error: Error, world: Communicator) -> Error {
    guard world.size > 1 else { return report(error) }
    _ = report(error, prefix: "rank \(world.rank) of \(world.size): ")
    // A disagreement every rank found: wait until all have reported it (MPI_Abort from the
    // first would kill the others before they print).
    if world.failedTogether { _ = world.sum([0]) }
    world.abort(code: 1)
}
