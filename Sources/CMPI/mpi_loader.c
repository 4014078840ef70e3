// Resolves Open MPI at run time (see include/netl_mpi.h). No mpi.h is needed: in Open MPI
// the handle types (MPI_Comm, MPI_Datatype, MPI_Op) are pointers, and the predefined
// handles MPI_COMM_WORLD, MPI_FLOAT, MPI_DOUBLE, MPI_BYTE, MPI_SUM are the addresses of
// the global objects ompi_mpi_comm_world, ompi_mpi_float, … (mpi.h's
// OMPI_PREDEFINED_GLOBAL), which dlsym returns. MPI_IN_PLACE is (void *)1,
// MPI_STATUS_IGNORE is NULL, MPI_Request is a pointer and MPI_THREAD_FUNNELED is 1 in
// Open MPI's ABI (libmpi.so.40).
#include "netl_mpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef void *handle_t;

static int (*p_init_thread)(int *, char ***, int, int *);
static int (*p_comm_rank)(handle_t, int *);
static int (*p_comm_size)(handle_t, int *);
static int (*p_iallreduce)(const void *, void *, int, handle_t, handle_t, handle_t, handle_t *);
static int (*p_test)(handle_t *, int *, void *);
static int (*p_bcast)(void *, int, handle_t, int, handle_t);
static int (*p_abort)(handle_t, int);
static int (*p_finalize)(void);
static handle_t comm_world, type_float, type_double, type_byte, op_sum;

#define NETL_MPI_IN_PLACE ((void *)1)
#define NETL_MPI_THREAD_FUNNELED 1
/// The largest count handed to one MPI call (MPI counts are int).
#define NETL_MPI_CHUNK (1 << 30)

int netl_mpi_launched(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL;
}

static void *resolve(void *lib, const char *name, char *error, size_t error_size) {
    void *p = dlsym(lib, name);
    if (p == NULL && error_size > 0) snprintf(error, error_size, "libmpi has no symbol '%s' (is it Open MPI 4 or later?)", name);
    return p;
}

int netl_mpi_init(int *rank, int *size, char *error, size_t error_size) {
    const char *names[3] = {getenv("NETL_LIBMPI"), "libmpi.so.40", "libmpi.so"};
    void *lib = NULL;
    // RTLD_GLOBAL: Open MPI's own plug-ins (mca components) resolve libmpi's symbols.
    for (int i = 0; i < 3 && lib == NULL; i++) if (names[i] != NULL) lib = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        snprintf(error, error_size, "started by an MPI launcher, but Open MPI cannot be loaded (%s); install openmpi-bin and libopenmpi-dev, or set NETL_LIBMPI to libmpi's path", dlerror());
        return 1;
    }
#define RESOLVE(var, name) if ((*(void **)&var = resolve(lib, name, error, error_size)) == NULL) return 1
    RESOLVE(p_init_thread, "MPI_Init_thread");
    RESOLVE(p_comm_rank, "MPI_Comm_rank");
    RESOLVE(p_comm_size, "MPI_Comm_size");
    RESOLVE(p_iallreduce, "MPI_Iallreduce");
    RESOLVE(p_test, "MPI_Test");
    RESOLVE(p_bcast, "MPI_Bcast");
    RESOLVE(p_abort, "MPI_Abort");
    RESOLVE(p_finalize, "MPI_Finalize");
    RESOLVE(comm_world, "ompi_mpi_comm_world");
    RESOLVE(type_float, "ompi_mpi_float");
    RESOLVE(type_double, "ompi_mpi_double");
    RESOLVE(type_byte, "ompi_mpi_byte");
    RESOLVE(op_sum, "ompi_mpi_op_sum");
#undef RESOLVE
    int provided = 0;
    int rc = p_init_thread(NULL, NULL, NETL_MPI_THREAD_FUNNELED, &provided);
    if (rc != 0) { snprintf(error, error_size, "MPI_Init_thread failed (code %d)", rc); return rc; }
    if ((rc = p_comm_rank(comm_world, rank)) != 0 || (rc = p_comm_size(comm_world, size)) != 0) {
        snprintf(error, error_size, "MPI_Comm_rank/size failed (code %d)", rc);
        return rc;
    }
    return 0;
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/// MPI_Allreduce(MPI_IN_PLACE, …, MPI_SUM) as MPI_Iallreduce + MPI_Test: it polls without
/// pause for 200 µs (a dedicated core: the lowest latency), then sleeps 50 µs between
/// polls. A blocking MPI_Allreduce spins for as long as it waits; on a machine whose cores
/// are shared (more ranks than cores, other jobs) that spinning takes the CPU from the
/// very rank being waited for.
static int allreduce_sum(void *buffer, int count, handle_t type) {
    handle_t request = NULL;
    int rc = p_iallreduce(NETL_MPI_IN_PLACE, buffer, count, type, op_sum, comm_world, &request);
    if (rc != 0) return rc;
    const double spin_until = seconds_now() + 200e-6;
    const struct timespec pause = {0, 50000};
    for (int done = 0;;) {
        if ((rc = p_test(&request, &done, NULL)) != 0) return rc;   // NULL: MPI_STATUS_IGNORE
        if (done) return 0;
        if (seconds_now() > spin_until) nanosleep(&pause, NULL);
    }
}

int netl_mpi_allreduce_sum_float(float *buffer, size_t count) {
    for (size_t start = 0; start < count; start += NETL_MPI_CHUNK) {
        size_t n = count - start < NETL_MPI_CHUNK ? count - start : NETL_MPI_CHUNK;
        int rc = allreduce_sum(buffer + start, (int)n, type_float);
        if (rc != 0) return rc;
    }
    return 0;
}

int netl_mpi_allreduce_sum_double(double *buffer, size_t count) {
    for (size_t start = 0; start < count; start += NETL_MPI_CHUNK) {
        size_t n = count - start < NETL_MPI_CHUNK ? count - start : NETL_MPI_CHUNK;
        int rc = allreduce_sum(buffer + start, (int)n, type_double);
        if (rc != 0) return rc;
    }
    return 0;
}

int netl_mpi_broadcast(void *buffer, size_t bytes, int root) {
    for (size_t start = 0; start < bytes; start += NETL_MPI_CHUNK) {
        size_t n = bytes - start < NETL_MPI_CHUNK ? bytes - start : NETL_MPI_CHUNK;
        int rc = p_bcast((char *)buffer + start, (int)n, type_byte, root, comm_world);
        if (rc != 0) return rc;
    }
    return 0;
}

void netl_mpi_abort(int code) {
    if (p_abort != NULL) p_abort(comm_world, code);
    exit(code);
}

int netl_mpi_finalize(void) { return p_finalize != NULL ? p_finalize() : 0; }
