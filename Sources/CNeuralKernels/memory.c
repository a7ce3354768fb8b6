// Allocator settings for training loops that free and reallocate multi-megabyte buffers on every
// step (see NeuralKernels' `MemoryPolicy`).
#include "CNeuralKernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#endif

int nk_keep_freed_memory_for_reuse(void) {
#if defined(__GLIBC__)
    int ok = mallopt(M_MMAP_THRESHOLD, 1 << 30);
    ok &= mallopt(M_TRIM_THRESHOLD, 1 << 30);
    ok &= mallopt(M_TOP_PAD, 64 << 20);
    return ok;
#else
    return 0;
#endif
}

int nk_prefer_huge_pages_on_heap(size_t bytes) {
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
    // With the mmap threshold raised, this block comes from the heap, and freeing it leaves the
    // (untouched) memory there for the buffers that follow; the advice stays on those pages.
    char *block = malloc(bytes);
    if (block == NULL) return 0;
    const uintptr_t huge = (uintptr_t)2 << 20;
    const uintptr_t start = ((uintptr_t)block + huge - 1) & ~(huge - 1), end = ((uintptr_t)block + bytes) & ~(huge - 1);
    const int ok = end > start && madvise((void *)start, end - start, MADV_HUGEPAGE) == 0;
    free(block);
    return ok;
#else
    (void)bytes;
    return 0;
#endif
}
