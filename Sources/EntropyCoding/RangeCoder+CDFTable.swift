extension RangeEncoder {
    /// Codes `symbol` (in `0 ..< table.symbolCount`; a programming error otherwise) with `table`.
    public mutating func encode(_ symbol: Int, using table: CDFTable) {
        precondition(symbol >= 0 && symbol < table.symbolCount, "symbol \(symbol) outside the table's alphabet")
        table.cumulative.withUnsafeBufferPointer { cumulative in
            let start = cumulative[symbol]
            encode(start: start, frequency: cumulative[symbol + 1] - start, precision: table.precision)
        }
    }
}

extension RangeDecoder {
    /// Decodes one symbol coded with `table`; the result is always in `0 ..< table.symbolCount`.
    public mutating func decode(using table: CDFTable) throws(EntropyDecodingError) -> Int {
        let precision = table.precision
        let target = slot(precision: precision)
        let (start, frequency, symbol) = table.cumulative.withUnsafeBufferPointer { cumulative in
            let symbol = largestIndex(in: cumulative, count: cumulative.count - 1, notAbove: target)
            return (cumulative[symbol], cumulative[symbol + 1] - cumulative[symbol], symbol)
        }
        try consume(start: start, frequency: frequency, precision: precision)
        return symbol
    }
}

/// The largest `i < count` with `values[i] <= target`, given `values[0] <= target` and non-decreasing
/// values (branch-free binary search).
@inline(__always)
func largestIndex<T: FixedWidthInteger>(in values: UnsafeBufferPointer<T>, count: Int, notAbove target: T) -> Int {
    let start = values.baseAddress.unsafelyUnwrapped
    var base = 0
    var length = count
    while length > 1 {
        let half = length &>> 1
        // Sign-mask arithmetic instead of a branch: the comparison is unpredictable.
        let difference = Int(truncatingIfNeeded: target) &- Int(truncatingIfNeeded: start[base &+ half])
        base &+= half & ~(difference &>> 63)
        length &-= half
    }
    return base
}
