// Counts heap allocations made by the process (bench only): these definitions take precedence over
// glibc's and forward to its internal entry points.
#include <stddef.h>
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
static unsigned long allocations;
void *malloc(size_t n) { allocations++; return __libc_malloc(n); }
void *calloc(size_t n, size_t s) { allocations++; return __libc_calloc(n, s); }
void *realloc(void *p, size_t n) { allocations++; return __libc_realloc(p, n); }
int posix_memalign(void **p, size_t a, size_t n) {
    allocations++;
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}
void *aligned_alloc(size_t a, size_t n) { allocations++; return __libc_memalign(a, n); }
unsigned long malloc_count(void) { return allocations; }
