import CNeuralKernels

/// Process-wide allocator policy for training loops.
///
/// A training step allocates and frees buffers of several megabytes. With glibc's defaults each of
/// them is a fresh `mmap`, so every step pays page faults and page clearing (about 10% of the CPU
/// time of an overfitted-codec encode at 768x512). ``keepFreedMemoryForReuse()`` raises the mmap
/// and trim thresholds so freed memory is reused. It changes no result. It affects the whole
/// process, so executables call it, not libraries.
public enum MemoryPolicy {
    /// Returns whether the setting was applied (glibc only).
    @discardableResult
    public static func keepFreedMemoryForReuse() -> Bool { nk_keep_freed_memory_for_reuse() == 1 }

    /// After ``keepFreedMemoryForReuse()``: reserves `heapBytes` of heap (virtual memory only) and
    /// asks the kernel to back it with 2 MiB pages where it supports that (Linux transparent huge
    /// pages), so the multi-megabyte buffers that follow take one page fault per 2 MiB instead of one
    /// per 4 KiB. It changes no result. Returns whether the advice was applied.
    @discardableResult
    public static func preferHugePages(heapBytes: Int) -> Bool { nk_prefer_huge_pages_on_heap(heapBytes) == 1 }
}
