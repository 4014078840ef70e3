// Open MPI, loaded at run time: netl links no MPI library, so a plain `netl run` starts
// without it and the binary runs where MPI is not installed. Under `mpirun` (detected from
// the launcher's environment) `netl_mpi_init` dlopens libmpi and resolves the few calls
// data-parallel training needs. Every function returns 0 on success (MPI_SUCCESS).
#ifndef NETL_MPI_H
#define NETL_MPI_H

#include <stddef.h>

/// 1 when the process was started by an MPI launcher (mpirun, srun --mpi=pmix):
/// OMPI_COMM_WORLD_SIZE or PMIX_RANK is set. Reads the environment only.
int netl_mpi_launched(void);

/// Loads libmpi (NETL_LIBMPI, else libmpi.so.40, else libmpi.so), resolves the calls and
/// the predefined handles, and calls MPI_Init_thread(FUNNELED). On failure writes a
/// message into `error` and returns non-zero.
int netl_mpi_init(int *rank, int *size, char *error, size_t error_size);

/// In-place sums over all ranks (MPI_Iallreduce with MPI_IN_PLACE, MPI_SUM, completed by
/// polling MPI_Test: first without pause, then with short sleeps).
int netl_mpi_allreduce_sum_float(float *buffer, size_t count);
int netl_mpi_allreduce_sum_double(double *buffer, size_t count);

/// Rank `root`'s bytes copied into every rank's buffer (MPI_Bcast of MPI_BYTE).
int netl_mpi_broadcast(void *buffer, size_t bytes, int root);

/// Stops every rank of the job (MPI_Abort on MPI_COMM_WORLD); does not return.
void netl_mpi_abort(int code);

/// MPI_Finalize (once, at the end of a successful run).
int netl_mpi_finalize(void);

#endif
