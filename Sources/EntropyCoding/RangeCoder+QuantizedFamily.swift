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
        let precision = family.precision
        let table = family.cumulativeStarts.baseAddress.unsafelyUnwrapped + location.tableStart
        let lastSymbol = location.symbolCount - 1
        let lastStart = UInt32(table[0])
        // The most probable symbol (stored first) without the division: with r = range >> precision
        // (at least 2^8) and lastStart < 2^precision, slot(precision) >= lastStart exactly when
        // code / r >= lastStart, that is code >= r * lastStart (below 2^32: r < 2^(32 - precision)).
        if code >= (range &>> UInt32(truncatingIfNeeded: precision)) &* lastStart {
            try consume(start: lastStart, frequency: (1 &<< UInt32(truncatingIfNeeded: precision)) &- lastStart, precision: precision)
            return try Self.checked(location.base)
        }
        let target = slot(precision: precision)
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
