#ifndef NETL_ALLOCATION_COUNTER_H
#define NETL_ALLOCATION_COUNTER_H

/// The number of heap allocations (malloc, calloc, realloc, memalign, aligned_alloc,
/// posix_memalign) made by any thread of this process since it started, or -1 where the
/// counter is not available (it interposes glibc's allocator, so Linux with glibc only).
long netl_allocation_count(void);

#endif
