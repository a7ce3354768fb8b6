// Allocator settings for training loops that free and reallocate multi-megabyte buffers on every
// step (see NeuralKernels' `MemoryPolicy`).
#include "CNeuralKernels.h"

#if defined(__GLIBC__)
#include <malloc.h>
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
