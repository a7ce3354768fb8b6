import Foundation

/// A static cumulative-frequency table: symbol `i` of `symbolCount` owns the interval
/// `cumulative[i] ..< cumulative[i + 1]` out of `2^precision`, and every symbol has frequency >= 1.
///
/// Build many of them (for example one per quantized scale) and pick one per coded symbol.
public struct CDFTable: Sendable, Equatable {
    /// Probability precision in bits: frequencies sum to `2^precision`.
    public let precision: Int
    /// `symbolCount + 1` non-decreasing values from 0 to `2^precision`.
    public let cumulative: [UInt32]

    public var symbolCount: Int { cumulative.count - 1 }

    /// A table from exact frequencies, which must each be >= 1 and sum to `2^precision`.
    public init(frequencies: [UInt32], precision: Int) throws(CDFTableError) {
        try Self.validate(symbolCount: frequencies.count, precision: precision)
        var cumulative: [UInt32] = [0]
        cumulative.reserveCapacity(frequencies.count + 1)
        var sum: UInt64 = 0
        for (symbol, frequency) in frequencies.enumerated() {
            if frequency == 0 { throw .zeroFrequency(symbol: symbol) }
            sum += UInt64(frequency)
            cumulative.append(UInt32(truncatingIfNeeded: min(sum, 1 << 32 - 1)))
        }
        if sum != 1 << UInt64(precision) { throw .frequenciesDoNotSumToTotal(sum: sum, total: 1 << UInt64(precision)) }
        self.precision = precision
        self.cumulative = cumulative
    }

    /// A table approximating arbitrary non-negative `counts` (integers, so the result is the same on
    /// every platform): `cumulative[i] = i + floor(C_i * (2^precision - n) / C_n)` where `C_i` is the sum of
    /// the first `i` counts and `n` the symbol count. All-zero counts give a uniform table.
    public init(normalizing counts: [UInt64], precision: Int) throws(CDFTableError) {
        try Self.validate(symbolCount: counts.count, precision: precision)
        var weights = counts.allSatisfy { $0 == 0 } ? [UInt64](repeating: 1, count: counts.count) : counts
        // Halve every count (keeping non-zero ones non-zero) until the total fits in 64 bits.
        while Self.sumOverflows(weights) { weights = weights.map { $0 == 0 ? 0 : ($0 >> 1) | 1 } }
        var partialSums: [UInt64] = [0]
        for weight in weights { partialSums.append(partialSums[partialSums.count - 1] + weight) }
        let total = partialSums[partialSums.count - 1]
        let free = (UInt64(1) << UInt64(precision)) - UInt64(weights.count)
        self.precision = precision
        self.cumulative = partialSums.enumerated().map { index, partial in
            let product = partial.multipliedFullWidth(by: free)
            let scaled = total.dividingFullWidth(product).quotient
            return UInt32(truncatingIfNeeded: UInt64(index) + scaled)
        }
    }

    static func sumOverflows(_ values: [UInt64]) -> Bool {
        var sum: UInt64 = 0
        for value in values {
            let (next, overflow) = sum.addingReportingOverflow(value)
            if overflow { return true }
            sum = next
        }
        return false
    }

    static func validate(symbolCount: Int, precision: Int) throws(CDFTableError) {
        guard (1...16).contains(precision) else { throw .unsupportedPrecision(precision) }
        guard symbolCount > 0 else { throw .emptyAlphabet }
        guard symbolCount <= 1 << precision else { throw .tooManySymbols(count: symbolCount, precision: precision) }
    }

    /// `-log2` of the probability this table gives `symbol` (its ideal code length in bits).
    public func codeLength(of symbol: Int) -> Double {
        let frequency = Double(cumulative[symbol + 1] - cumulative[symbol])
        return Double(precision) - log2(frequency)
    }
}
