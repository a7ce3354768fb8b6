extension RangeEncoder {
    /// Codes `value` under `family` with mean and natural-log scale in Q8 (`x * 256`).
    /// Every Int32 value is codable; values beyond the table radius cost an escape.
    public mutating func encode(_ value: Int32, mean: Int32, logScale: Int32, using family: QuantizedFamily) {
        let location = family.locate(mean: mean, logScale: logScale)
        let offset = Int64(value) - location.base
        let symbol = QuantizedFamily.symbolIndex(offset: offset, radius: location.radius)
        let (start, frequency) = family.interval(ofSymbol: symbol, location: location)
        encode(start: start, frequency: frequency, precision: family.precision)
        if symbol == 0 {
            encodeBit(offset < 0)
            encodeExpGolomb(wide: UInt64(offset.magnitude) - UInt64(location.radius) - 1, order: location.escapeOrder)
        }
    }
}

extension RangeDecoder {
    /// Decodes a value coded with ``RangeEncoder/encode(_:mean:logScale:using:)`` with the same
    /// mean, log-scale and family.
    public mutating func decode(mean: Int32, logScale: Int32, using family: QuantizedFamily) throws(EntropyDecodingError) -> Int32 {
        let location = family.locate(mean: mean, logScale: logScale)
        return try decode(at: location, lastStart: family.lastStart(of: location), using: family)
    }

    /// Decodes `count` values coded with ``RangeEncoder/encode(_:mean:logScale:using:)``, value `k`
    /// under `means[k]` and `logScales[k]`, into `values`, and stops after the first value outside
    /// `valid`. Returns how many values it wrote (`count` unless one was outside `valid`: then that
    /// one is the last). The same values and errors, in the same order, as calling
    /// ``decode(mean:logScale:using:)`` for each; but every table is looked up before the first
    /// symbol is decoded, so their cache misses overlap instead of each stalling its symbol.
    public mutating func decode(count: Int, means: UnsafePointer<Int32>, logScales: UnsafePointer<Int32>,
                                using family: QuantizedFamily, into values: UnsafeMutablePointer<Int32>,
                                valid: ClosedRange<Int32>) throws(EntropyDecodingError) -> Int {
        guard count > 0 else { return 0 }
        let locations = UnsafeMutablePointer<QuantizedTableLocation>.allocate(capacity: count)
        let lastStarts = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
        defer {
            locations.deallocate()
            lastStarts.deallocate()
        }
        for k in 0..<count {
            let location = family.locate(mean: means[k], logScale: logScales[k])
            (locations + k).initialize(to: location)
            lastStarts[k] = family.lastStart(of: location)
        }
        for k in 0..<count {
            let value = try decode(at: locations[k], lastStart: lastStarts[k], using: family)
            values[k] = value
            if !valid.contains(value) { return k + 1 }
        }
        return count
    }

    /// The symbol of the table at `location` (whose stored first entry is `lastStart`) and its value.
    @inline(__always)
    mutating func decode(at location: QuantizedTableLocation, lastStart: UInt32,
                         using family: QuantizedFamily) throws(EntropyDecodingError) -> Int32 {
        let precision = family.precision
        let target = slot(precision: precision)
        let table = family.cumulativeStarts.baseAddress.unsafelyUnwrapped + location.tableStart
        let lastSymbol = location.symbolCount - 1
        if target >= lastStart {
            try consume(start: lastStart, frequency: (1 &<< UInt32(truncatingIfNeeded: precision)) &- lastStart, precision: precision)
            return try Self.checked(location.base)
        }
        let symbol = largestIndexWindowed(in: table + 1, count: lastSymbol, notAbove: UInt16(truncatingIfNeeded: target))
        let start = UInt32(table[symbol &+ 1])
        let end = symbol &+ 1 == lastSymbol ? lastStart : UInt32(table[symbol &+ 2])
        try consume(start: start, frequency: end &- start, precision: precision)
        if symbol == 0 {
            let negative = try decodeBit()
            let excess = try decodeExpGolomb(wide: location.escapeOrder, limit: 1 << 34)
            let magnitude = Int64(excess) + location.radius + 1
            return try Self.checked(location.base + (negative ? -magnitude : magnitude))
        }
        return try Self.checked(location.base + QuantizedFamily.offset(ofSymbol: symbol, radius: location.radius))
    }

    static func checked(_ value: Int64) throws(EntropyDecodingError) -> Int32 {
        guard let result = Int32(exactly: value) else { throw .valueOutOfRange }
        return result
    }
}
