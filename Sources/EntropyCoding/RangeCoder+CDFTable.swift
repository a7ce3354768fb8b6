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

/// The largest `i < count` with `starts[i] <= target`, given `starts[0] <= target`, strictly increasing
/// starts, and at least 32 readable entries from any window start (the family pads its storage):
/// binary steps down to a window of at most 32 entries, then a fixed 32-lane count (vectorised) of the
/// entries not above the target (no unpredictable branch for tables of up to 32 symbols).
@inline(__always)
func largestIndexWindowed(in starts: UnsafePointer<UInt16>, count: Int, notAbove target: UInt16) -> Int {
    var base = 0
    var length = count
    while length > 32 {
        let half = length &>> 1
        if starts[base &+ half] <= target { base &+= half }
        length &-= half
    }
    let window = starts + base
    var hits: Int32 = 0
    for lane in 0..<32 {
        let notAbove = ((Int32(truncatingIfNeeded: target) &- Int32(truncatingIfNeeded: window[lane])) &>> 31) &+ 1
        let inWindow = ((Int32(truncatingIfNeeded: lane) &- Int32(truncatingIfNeeded: length)) &>> 31) & 1
        hits &+= notAbove & inWindow
    }
    return base &+ Int(hits) &- 1
}
