// Counts heap allocations in the test process, to check that a planned training step
// allocates nothing after its first run (docs/architecture.md, "The executor").
//
// The functions below are defined in the test executable, so the dynamic linker binds
// every call to malloc & co. — from Swift's runtime, Foundation, Dispatch, OpenBLAS — to
// them (ELF symbol interposition). Each increments one relaxed atomic counter and calls
// glibc's own implementation through its exported __libc_* entry points, so memory is
// still glibc's and free() needs no wrapper.
#include "allocation_counter.h"
#include <errno.h>   // also defines __GLIBC__ on glibc systems
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NETL_UNDER_SANITIZER 1  // the sanitizer's own malloc must not be interposed
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(NETL_UNDER_SANITIZER)
#include <stdatomic.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_long allocations;

static inline void count(void) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t count_, size_t size) { count(); return __libc_calloc(count_, size); }
void *realloc(void *pointer, size_t size) { count(); return __libc_realloc(pointer, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }

int posix_memalign(void **result, size_t alignment, size_t size) {
    count();
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *result = p;
    return 0;
}

long netl_allocation_count(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }

#else
long netl_allocation_count(void) { return -1; }
#endif
