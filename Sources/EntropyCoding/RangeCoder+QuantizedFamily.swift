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
    /// Symbols whose tables ``decode(count:means:logScales:using:valid:into:)`` locates ahead of
    /// decoding them (their locations live on the stack: 16 bytes each).
    static let locatedBatch = 64

    /// Decodes a value coded with ``RangeEncoder/encode(_:mean:logScale:using:)`` with the same
    /// mean, log-scale and family.
    public mutating func decode(mean: Int32, logScale: Int32, using family: QuantizedFamily) throws(EntropyDecodingError) -> Int32 {
        var mean = mean, logScale = logScale, value: Int32 = 0
        _ = try decode(count: 1, means: &mean, logScales: &logScale, using: family, valid: .min ... .max, into: &value)
        return value
    }

    /// Decodes `count` values coded with ``RangeEncoder/encode(_:mean:logScale:using:)``, value `k`
    /// under `means[k]` and `logScales[k]`, into `values`, and stops after the first value outside
    /// `valid`. Returns how many values it wrote: `count`, or fewer if the last one written is
    /// outside `valid`. The same values and errors, in the same order, as one
    /// ``decode(mean:logScale:using:)`` per value; but the tables of up to ``locatedBatch`` values
    /// are looked up before the first of them is decoded (their cache misses overlap), and the
    /// coder state stays in registers from one value to the next.
    public mutating func decode(count: Int, means: UnsafePointer<Int32>, logScales: UnsafePointer<Int32>,
                                using family: QuantizedFamily, valid: ClosedRange<Int32>,
                                into values: UnsafeMutablePointer<Int32>) throws(EntropyDecodingError) -> Int {
        try withUnsafeTemporaryAllocation(of: LocatedTable.self, capacity: Self.locatedBatch) { located throws(EntropyDecodingError) in
            let tables = located.baseAddress.unsafelyUnwrapped
            var done = 0
            while done < count {
                let batch = min(count &- done, Self.locatedBatch)
                family.locate(count: batch, means: means + done, logScales: logScales + done, into: tables)
                let written = try decode(count: batch, located: tables, using: family, valid: valid, into: values + done)
                done &+= written
                if written < batch { break }
            }
            return done
        }
    }

    /// Decodes `count` values from their located tables (see ``decode(count:means:logScales:using:valid:into:)``).
    @inline(__always)
    mutating func decode(count: Int, located: UnsafePointer<LocatedTable>, using family: QuantizedFamily,
                         valid: ClosedRange<Int32>, into values: UnsafeMutablePointer<Int32>) throws(EntropyDecodingError) -> Int {
        let bytes = storage.base, byteCount = self.byteCount
        let starts = UnsafePointer(family.cumulativeStarts.baseAddress.unsafelyUnwrapped)
        let precision = UInt32(truncatingIfNeeded: family.precision)
        var code = self.code, range = self.range, position = self.position
        defer { (self.code, self.range, self.position) = (code, range, position) }
        for k in 0..<count {
            let table = located[k]
            let r = range &>> precision
            let lastStart = UInt32(table.lastStart)
            var value = table.base
            // The most probable symbol (stored first) without the division: with r at least 2^8 and
            // lastStart < 2^precision, code / r >= lastStart exactly when code >= r * lastStart.
            if code >= r &* lastStart {
                code &-= r &* lastStart
                range &-= r &* lastStart
                if code >= range { throw .corruptStream }
                Self.renormalize(code: &code, range: &range, position: &position, bytes: bytes, byteCount: byteCount)
            } else {
                let symbol = try Self.decodeLessProbable(table, starts: starts, precision: precision, code: &code, range: &range)
                Self.renormalize(code: &code, range: &range, position: &position, bytes: bytes, byteCount: byteCount)
                if symbol == 0 {
                    (self.code, self.range, self.position) = (code, range, position)
                    value = try decodeEscape(table)
                    (code, range, position) = (self.code, self.range, self.position)
                } else {
                    value &+= Int32(truncatingIfNeeded: QuantizedFamily.offset(ofSymbol: symbol, radius: Int64(table.radius)))
                }
            }
            values[k] = value
            if !valid.contains(value) { return k &+ 1 }
        }
        return count
    }

    /// Finds the symbol of `table` below its most probable one that the state selects and removes
    /// its interval (renormalisation left to the caller).
    @inline(__always)
    static func decodeLessProbable(_ table: LocatedTable, starts: UnsafePointer<UInt16>, precision: UInt32,
                                   code: inout UInt32, range: inout UInt32) throws(EntropyDecodingError) -> Int {
        let r = range &>> precision
        let target = min(code / r, (1 &<< precision) &- 1)
        let stored = starts + Int(table.tableStart)
        let lastSymbol = table.lastSymbol
        let symbol = largestIndexWindowed(in: stored + 1, count: lastSymbol, notAbove: UInt16(truncatingIfNeeded: target))
        let start = UInt32(stored[symbol &+ 1])
        let end = symbol &+ 1 == lastSymbol ? UInt32(table.lastStart) : UInt32(stored[symbol &+ 2])
        code &-= r &* start
        range = r &* (end &- start)
        if code >= range { throw .corruptStream }
        return symbol
    }

    /// The value of an escape of `table`: its sign bit and Exp-Golomb excess follow the escape symbol.
    @inline(never)
    mutating func decodeEscape(_ table: LocatedTable) throws(EntropyDecodingError) -> Int32 {
        let negative = try decodeBit()
        let excess = try decodeExpGolomb(wide: Int(table.escapeOrder), limit: 1 << 34)
        let magnitude = Int64(excess) + Int64(table.radius) + 1
        return try Self.checked(Int64(table.base) + (negative ? -magnitude : magnitude))
    }

    static func checked(_ value: Int64) throws(EntropyDecodingError) -> Int32 {
        guard let result = Int32(exactly: value) else { throw .valueOutOfRange }
        return result
    }
}
