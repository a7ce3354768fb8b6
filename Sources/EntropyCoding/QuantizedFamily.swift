import CEntropyTables
import Synchronization

/// Precomputed integer CDF tables for a quantized continuous distribution (Laplace, Gaussian or
/// logistic) parametrised per symbol by a mean and a natural-log scale, both Int32 in Q8
/// (`value * 256`), as an autoregressive entropy model outputs them.
///
/// A coded integer `y` with mean `mu` is coded relative to `base = round(mu)`: the offset `y - base`
/// in `-R...R` is a table symbol, anything further away is an escape symbol followed by a sign bit
/// and an Exp-Golomb code, so every Int32 value is codable. Tables exist for log-scales from
/// -6 to +6 in steps of 1/16 (values outside are clamped) and, per scale, for `2^phaseBits` positions
/// of the mean's fractional part (256 for narrow distributions, fewer for wide ones where the
/// position matters less). The exact construction is in docs/bitstream.md; all of it is integer
/// arithmetic, so tables are bit-identical everywhere. Coding a symbol is a table lookup.
///
/// The tables of a scale step are built the first time a symbol uses that step (thread-safe), so a
/// decoder pays only for the scales its stream uses; ``laplace16``'s are compiled in.
public final class QuantizedFamily: @unchecked Sendable {
    /// The continuous distribution whose integer bins are coded.
    public enum Distribution: String, Sendable, CaseIterable {
        /// Density e^{-|x - mu| / b} / (2b), scale b.
        case laplace
        /// Density e^{-(x - mu)^2 / (2 s^2)} / (s sqrt(2 pi)), scale s (standard deviation).
        case gaussian
        /// CDF 1 / (1 + e^{-(x - mu) / s}), scale s.
        case logistic
    }

    /// Smallest log-scale with its own table (Q8 of ln(scale) = -6); smaller ones are clamped.
    public static let minimumLogScale: Int32 = -6 * 256
    /// Largest log-scale with its own table (Q8 of ln(scale) = +6); larger ones are clamped.
    public static let maximumLogScale: Int32 = 6 * 256
    /// Log-scale table step in Q8 (1/16 in ln(scale)).
    public static let logScaleStep: Int32 = 16
    /// Largest table radius: offsets beyond are always escapes.
    public static let maximumRadius = 4095

    public let distribution: Distribution
    /// Probability precision in bits (14...16): table frequencies sum to 2^precision.
    public let precision: Int

    /// Per log-scale step: where its tables start, their radius and phase count.
    struct ScaleEntry {
        var firstTable: Int32
        var radius: Int32
        var phaseBits: Int32
        var escapeOrder: Int32
    }

    let scaleEntries: UnsafeMutableBufferPointer<ScaleEntry>
    /// Bit `s % 64` of word `s / 64` is set once the tables of scale step `s` are in place.
    private let built0 = Atomic<UInt64>(0), built1 = Atomic<UInt64>(0), built2 = Atomic<UInt64>(0),
                built3 = Atomic<UInt64>(0)
    /// Held while a scale's tables are being built.
    private let buildLock = Mutex(())
    private let builder: QuantizedFamilyBuilder
    /// All tables back to back: table `(scale, phase)` starts at
    /// `firstTable + phase * (2 * radius + 2)` and holds the `2 * radius + 2` cumulative starts of the
    /// coding order `[escape, -R ... -1, +R ... +1, 0]`, stored with the last (most probable) symbol's
    /// start first, so the decoder's first test and the start of its search share a cache line.
    let cumulativeStarts: UnsafeMutableBufferPointer<UInt16>
    /// Zero entries after the last table: the decoder's search reads 32 entries from any table position.
    static let searchPadding = 32

    /// Prepares the per-scale parameters (the tables follow on first use); prefer the shared instances such as ``laplace16``.
    /// Returns nil unless `precision` is in 14...16.
    public convenience init?(_ distribution: Distribution, precision: Int) {
        self.init(distribution, precision: precision, compiledTables: nil)
    }

    /// A family whose tables are `compiledTables` (the output of ``storedTables()`` for the same
    /// distribution and precision, compiled into the program), or built on first use when it is nil
    /// or of the wrong size.
    private init?(_ distribution: Distribution, precision: Int, compiledTables: UnsafeBufferPointer<UInt16>?) {
        guard (14...16).contains(precision) else { return nil }
        self.distribution = distribution
        self.precision = precision
        builder = QuantizedFamilyBuilder(distribution: distribution, precision: precision)
        let (entries, tableEntryCount) = builder.entries()
        scaleEntries = UnsafeMutableBufferPointer<ScaleEntry>.allocate(capacity: entries.count)
        _ = scaleEntries.initialize(from: entries)
        cumulativeStarts = UnsafeMutableBufferPointer<UInt16>.allocate(capacity: tableEntryCount + Self.searchPadding)
        cumulativeStarts.initialize(repeating: 0)
        if let compiledTables, compiledTables.count == tableEntryCount {
            _ = cumulativeStarts.initialize(from: compiledTables)
            for step in 0..<Self.scaleCount { markBuilt(step: step) }
        }
    }

    /// Every scale step's tables as they are stored (``cumulativeStarts`` without its padding), built
    /// if they are not yet: what a program may compile in (see ``laplace16``).
    public func storedTables() -> [UInt16] {
        ensureAllTables()
        return Array(cumulativeStarts[0..<(cumulativeStarts.count - Self.searchPadding)])
    }

    /// Makes sure the tables of scale step `step` are in place (builds them on first use).
    @inline(__always)
    func ensureTables(step: Int) {
        let bit = UInt64(1) << UInt64(step & 63)
        if builtBits(word: step >> 6) & bit != 0 { return }
        buildTables(step: step)
    }

    /// Which scale steps' tables are in place (bit `s % 64` of lane `s / 64`). A snapshot: bits are
    /// only ever set, so a clear bit may be stale (ask ``ensureTables(step:)``), a set one never is.
    @inline(__always)
    func builtSteps() -> SIMD4<UInt64> {
        SIMD4(builtBits(word: 0), builtBits(word: 1), builtBits(word: 2), builtBits(word: 3))
    }

    /// Builds every scale's tables (for code that reads the storage directly).
    func ensureAllTables() {
        for step in 0..<Self.scaleCount { ensureTables(step: step) }
    }

    /// Number of scale steps whose tables have been built.
    var builtScaleCount: Int {
        (0..<4).reduce(0) { $0 + builtBits(word: $1).nonzeroBitCount }
    }

    @inline(__always)
    private func builtBits(word: Int) -> UInt64 {
        switch word {
        case 0: built0.load(ordering: .acquiring)
        case 1: built1.load(ordering: .acquiring)
        case 2: built2.load(ordering: .acquiring)
        default: built3.load(ordering: .acquiring)
        }
    }

    @inline(never)
    private func buildTables(step: Int) {
        buildLock.withLock { _ in
            let bit = UInt64(1) << UInt64(step & 63)
            guard builtBits(word: step >> 6) & bit == 0 else { return }
            let entry = scaleEntries[step]
            builder.tables(scaleIndex: step, entry: entry, into: cumulativeStarts.baseAddress.unsafelyUnwrapped + Int(entry.firstTable))
            markBuilt(step: step)
        }
    }

    /// Sets scale step `step`'s bit in the built words (after its tables are in place).
    private func markBuilt(step: Int) {
        let bit = UInt64(1) << UInt64(step & 63)
        switch step >> 6 {
        case 0: built0.bitwiseOr(bit, ordering: .releasing)
        case 1: built1.bitwiseOr(bit, ordering: .releasing)
        case 2: built2.bitwiseOr(bit, ordering: .releasing)
        default: built3.bitwiseOr(bit, ordering: .releasing)
        }
    }

    deinit {
        cumulativeStarts.deallocate()
        scaleEntries.deallocate()
    }

    /// Number of scale steps with their own tables.
    public static var scaleCount: Int { Int((maximumLogScale - minimumLogScale) / logScaleStep) + 1 }

    /// Bytes of table storage.
    public var tableByteCount: Int { (cumulativeStarts.count - Self.searchPadding) * MemoryLayout<UInt16>.stride }

    // Shared families, built on first use.
    /// The overfitted codec's family. Its tables are compiled in (`CEntropyTables`, generated from
    /// ``storedTables()`` by `swift run GenerateEntropyTables`; a test checks them against the
    /// builder), so a decoder does not spend milliseconds building them.
    public static let laplace16 = QuantizedFamily(.laplace, precision: 16, compiledTables: UnsafeBufferPointer(
        start: nc_laplace16_tables(), count: nc_laplace16_table_count()))!
    public static let laplace15 = QuantizedFamily(.laplace, precision: 15)!
    public static let gaussian16 = QuantizedFamily(.gaussian, precision: 16)!
    public static let gaussian15 = QuantizedFamily(.gaussian, precision: 15)!
    public static let logistic16 = QuantizedFamily(.logistic, precision: 16)!
    public static let logistic15 = QuantizedFamily(.logistic, precision: 15)!

    /// The shared family for `distribution` at 15 or 16 bits (nil for other precisions).
    public static func shared(_ distribution: Distribution, precision: Int) -> QuantizedFamily? {
        switch (distribution, precision) {
        case (.laplace, 16): laplace16
        case (.laplace, 15): laplace15
        case (.gaussian, 16): gaussian16
        case (.gaussian, 15): gaussian15
        case (.logistic, 16): logistic16
        case (.logistic, 15): logistic15
        default: nil
        }
    }
}
