/* Heap-allocation counter for `rtprelayd bench transcode`, loaded with LD_PRELOAD (see
 * transcode-capacity.sh). It wraps glibc's allocator entry points and counts every call; the benchmark
 * reads the count through `rtprelay_malloc_probe_count` (found with dlsym) before and after its timed
 * loop, so "allocations per packet" is measured on the real pipeline, not assumed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *old, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static uint64_t allocations;

uint64_t rtprelay_malloc_probe_count(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }

static inline void count_one(void) { __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED); }

void *malloc(size_t size) { count_one(); return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { count_one(); return __libc_calloc(count, size); }
void *realloc(void *old, size_t size) { count_one(); return __libc_realloc(old, size); }
void *memalign(size_t alignment, size_t size) { count_one(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count_one(); return __libc_memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    count_one();
    void *p = __libc_memalign(alignment, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}
