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
}
