import Foundation

/// Where a (mean, log-scale) pair lands in a family's tables.
struct QuantizedTableLocation {
    /// The mean rounded to the family's phase grid and then to an integer: offsets are `value - base`.
    var base: Int64
    /// Index of the table's first cumulative start in ``QuantizedFamily/cumulativeStarts``.
    var tableStart: Int
    var radius: Int64
    var escapeOrder: Int
    /// Symbols in the table: 2R + 1 offsets plus the escape.
    var symbolCount: Int { Int(2 * radius + 2) }
}

/// A ``QuantizedTableLocation`` packed for decoding loops (16 bytes), with the start of its table's
/// most probable symbol already read.
struct LocatedTable {
    /// ``QuantizedTableLocation/base`` (a rounded Q8 mean, so it fits).
    var base: Int32
    /// ``QuantizedTableLocation/tableStart`` (the storage holds fewer than 2^31 entries).
    var tableStart: Int32
    /// The table's first stored entry: the start of its most probable symbol.
    var lastStart: UInt16
    /// ``QuantizedTableLocation/radius`` (at most ``QuantizedFamily/maximumRadius``).
    var radius: UInt16
    /// ``QuantizedTableLocation/escapeOrder``.
    var escapeOrder: UInt16

    /// Symbols in the table minus one: the index of the most probable symbol.
    var lastSymbol: Int { Int(radius) &* 2 &+ 1 }
}

extension QuantizedFamily {
    /// The tables for `count` (mean, log-scale) pairs, into `located` (room for `count`), each with
    /// its first entry read. The entries are read in a second, short loop of independent loads, so
    /// that many of the tables' cache misses are in flight at once instead of each stalling the
    /// range decoder on its symbol.
    @inline(__always)
    func locate(count: Int, means: UnsafePointer<Int32>, logScales: UnsafePointer<Int32>,
                into located: UnsafeMutablePointer<LocatedTable>) {
        var built = builtSteps()  // checked per value in a register instead of through the atomics
        if built == Self.allStepsBuilt {  // compiled tables, or every step used already: no checks
            for k in 0..<count { located[k] = locatedTable(mean: means[k], step: Self.scaleStep(logScale: logScales[k])) }
        } else {
            for k in 0..<count {
                let step = Self.scaleStep(logScale: logScales[k])
                if (built[step &>> 6] &>> UInt64(truncatingIfNeeded: step & 63)) & 1 == 0 {
                    ensureTables(step: step)
                    built = builtSteps()
                }
                located[k] = locatedTable(mean: means[k], step: step)
            }
        }
        let starts = cumulativeStarts.baseAddress.unsafelyUnwrapped
        for k in 0..<count { located[k].lastStart = starts[Int(located[k].tableStart)] }
    }

    /// ``builtSteps()`` once every scale step's tables are in place.
    static let allStepsBuilt = SIMD4<UInt64>((0..<4).map { word in
        (0..<64).reduce(UInt64(0)) { bits, bit in word * 64 + bit < scaleCount ? bits | (1 << UInt64(bit)) : bits }
    })

    /// ``locate(mean:step:)`` packed for the decoding loop, its first entry not yet read.
    @inline(__always)
    private func locatedTable(mean: Int32, step: Int) -> LocatedTable {
        let location = locate(mean: mean, step: step)
        return LocatedTable(
            base: Int32(truncatingIfNeeded: location.base),
            tableStart: Int32(truncatingIfNeeded: location.tableStart),
            lastStart: 0,
            radius: UInt16(truncatingIfNeeded: location.radius),
            escapeOrder: UInt16(truncatingIfNeeded: location.escapeOrder))
    }


    /// Table lookup for a mean and log-scale in Q8.
    ///
    /// Scale step `s = (clamp(logScale) - minimumLogScale + 8) >> 4` (nearest step). With `p` phase
    /// bits for that step, the mean is rounded to the grid 2^-p: `c = (mean + 2^(7-p)) >> (8-p)`
    /// (no rounding term when p = 8), then `base = (c + 2^(p-1)) >> p` and the phase is
    /// `c - base * 2^p + 2^(p-1)` (for p = 0: `base = c`, phase 0). Shifts are arithmetic (floor).
    @inline(__always)
    func locate(mean: Int32, logScale: Int32) -> QuantizedTableLocation {
        let step = Self.scaleStep(logScale: logScale)
        ensureTables(step: step)
        return locate(mean: mean, step: step)
    }

    /// The scale step of `logScale` (Q8), clamped to the table range (see ``locate(mean:logScale:)``).
    @inline(__always)
    static func scaleStep(logScale: Int32) -> Int {
        let clamped = min(max(logScale, minimumLogScale), maximumLogScale)
        return Int(truncatingIfNeeded: (clamped &- minimumLogScale &+ logScaleStep / 2) &>> 4)
    }

    /// ``locate(mean:logScale:)`` in scale step `step`, whose tables must be in place.
    @inline(__always)
    func locate(mean: Int32, step: Int) -> QuantizedTableLocation {
        let entry = scaleEntries.baseAddress.unsafelyUnwrapped[step]
        let phaseBits = Int64(entry.phaseBits)
        let gridShift = 8 &- phaseBits
        let onGrid = (Int64(mean) &+ ((1 &<< gridShift) &>> 1)) &>> gridShift
        let half = (Int64(1) &<< phaseBits) &>> 1
        let base = (onGrid &+ half) &>> phaseBits
        let phase = onGrid &- (base &<< phaseBits) &+ half
        let radius = Int64(entry.radius)
        return QuantizedTableLocation(
            base: base,
            tableStart: Int(entry.firstTable) &+ Int(truncatingIfNeeded: phase &* (2 &* radius &+ 2)),
            radius: radius,
            escapeOrder: Int(entry.escapeOrder))
    }

    /// The interval that codes `value`, and the number of bypass bits its escape adds (0 if none).
    ///
    /// `frequency / 2^precision` is the probability the coder gives the table symbol; use it for
    /// rate estimates: the exact code length is `precision - log2(frequency) + escapeBits`.
    public func interval(of value: Int32, mean: Int32, logScale: Int32) -> (start: UInt32, frequency: UInt32, escapeBits: Int) {
        let location = locate(mean: mean, logScale: logScale)
        let offset = Int64(value) - location.base
        let symbol = Self.symbolIndex(offset: offset, radius: location.radius)
        let (start, frequency) = interval(ofSymbol: symbol, location: location)
        guard symbol == 0 else { return (start, frequency, 0) }
        let excess = UInt64(offset.magnitude) - UInt64(location.radius) - 1
        let codeBits = 64 - (excess + (1 << UInt64(location.escapeOrder))).leadingZeroBitCount
        return (start, frequency, 1 + 2 * codeBits - 1 - location.escapeOrder)
    }

    /// Code length in bits of `value` under this family (table symbol plus escape bits).
    public func codeLength(of value: Int32, mean: Int32, logScale: Int32) -> Double {
        let (_, frequency, escapeBits) = interval(of: value, mean: mean, logScale: logScale)
        return Double(precision) - log2(Double(frequency)) + Double(escapeBits)
    }

    /// Coding-order index of `offset`: 0 = escape, 1...R = -R...-1, R+1...2R = +R...+1, 2R+1 = 0
    /// (both tails run from rare to frequent, so the rounding of rare symbols is absorbed by
    /// frequent neighbours).
    @inline(__always)
    static func symbolIndex(offset: Int64, radius: Int64) -> Int {
        if offset == 0 { return Int(2 &* radius &+ 1) }
        if offset.magnitude > radius.magnitude { return 0 }
        return Int(offset < 0 ? offset &+ radius &+ 1 : 2 &* radius &+ 1 &- offset)
    }

    /// Offset of a non-escape coding-order index (inverse of `symbolIndex`).
    @inline(__always)
    static func offset(ofSymbol symbol: Int, radius: Int64) -> Int64 {
        let index = Int64(symbol)
        if index == 2 &* radius &+ 1 { return 0 }
        return index <= radius ? index &- radius &- 1 : 2 &* radius &+ 1 &- index
    }

    @inline(__always)
    func interval(ofSymbol symbol: Int, location: QuantizedTableLocation) -> (start: UInt32, frequency: UInt32) {
        let table = cumulativeStarts.baseAddress.unsafelyUnwrapped + location.tableStart
        let lastSymbol = location.symbolCount &- 1
        if symbol == lastSymbol { return (UInt32(table[0]), (UInt32(1) &<< UInt32(precision)) &- UInt32(table[0])) }
        let start = UInt32(table[symbol &+ 1])
        let end = symbol &+ 1 == lastSymbol ? UInt32(table[0]) : UInt32(table[symbol &+ 2])
        return (start, end &- start)
    }

    /// The cumulative starts of a table in coding order (storage puts the last symbol's start first).
    func codingOrderStarts(tableStart: Int, symbolCount: Int) -> [UInt16] {
        ensureAllTables()
        return (1..<symbolCount).map { cumulativeStarts[tableStart + $0] } + [cumulativeStarts[tableStart]]
    }
}
