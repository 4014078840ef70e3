import NetRuntime

/// Where a script runs in a data-parallel job (`mpirun -np N netl run script.net`).
extension Builtins {
    static var parallelFunctions: [(String, Body)] {
        [
            ("world", { context, _ in
                // world(): a record (rank, size); rank 0 of size 1 without mpirun.
                .record([("rank", .number(Double(context.world.rank))), ("size", .number(Double(context.world.size)))])
            }),
        ]
    }
}
