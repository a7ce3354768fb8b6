/// Builds the tables of a ``QuantizedFamily`` with integer arithmetic only (see docs/bitstream.md).
struct QuantizedFamilyBuilder {
    let distribution: QuantizedFamily.Distribution
    let precision: Int

    /// Standard CDF (scale 1) at `t` (Q32), in Q48.
    func standardCDF(_ tQ32: Int64) -> UInt64 {
        switch distribution {
        case .laplace: FixedPointMath.laplaceCDF(tQ32)
        case .gaussian: FixedPointMath.gaussianCDF(tQ32)
        case .logistic: FixedPointMath.logisticCDF(tQ32)
        }
    }

    /// Standardised position (Q32) of the point `edgeQ8 / 256` for inverse scale `inverseScaleQ32`:
    /// the magnitude is `(|edge| * inverseScale) >> 8`, truncated, with the sign of the edge.
    static func standardised(_ edgeQ8: Int64, inverseScaleQ32: UInt64) -> Int64 {
        let magnitude = (edgeQ8.magnitude * inverseScaleQ32) >> 8
        let clamped = Int64(truncatingIfNeeded: min(magnitude, 1 << 40))
        return edgeQ8 < 0 ? -clamped : clamped
    }

    /// Log-scale (Q8) of scale step `scaleIndex`.
    static func logScaleQ8(scaleIndex: Int) -> Int64 {
        Int64(QuantizedFamily.minimumLogScale) + Int64(scaleIndex) * Int64(QuantizedFamily.logScaleStep)
    }

    /// 1 / scale of scale step `scaleIndex`, in Q32.
    static func inverseScaleQ32(scaleIndex: Int) -> UInt64 {
        FixedPointMath.exp(-(logScaleQ8(scaleIndex: scaleIndex) << 24), fractionBits: 32)
    }

    /// The per-scale parameters (radius, phases, where each scale's tables start) and the total
    /// number of table entries; the tables themselves come from ``tables(scaleIndex:entry:)``.
    func entries() -> (entries: [QuantizedFamily.ScaleEntry], tableEntryCount: Int) {
        var entries: [QuantizedFamily.ScaleEntry] = []
        var count = 0
        for scaleIndex in 0..<QuantizedFamily.scaleCount {
            let radius = radius(inverseScaleQ32: Self.inverseScaleQ32(scaleIndex: scaleIndex))
            let phaseBits = Self.phaseBits(logScaleQ8: Self.logScaleQ8(scaleIndex: scaleIndex))
            entries.append(QuantizedFamily.ScaleEntry(
                firstTable: Int32(count),
                radius: Int32(radius),
                phaseBits: Int32(phaseBits),
                escapeOrder: Int32(max(0, (Int.bitWidth - radius.leadingZeroBitCount) - 4))))
            count += (1 << phaseBits) * (2 * radius + 2)
        }
        return (entries, count)
    }

    /// Writes the stored tables of one scale step, phase after phase (each with its last symbol's
    /// start first), to `destination` (`2^phaseBits * (2R + 2)` entries).
    ///
    /// Every bin edge of every phase is a multiple of `2^unitShift` (Q8) with magnitude at most
    /// `(R + 1) * 256`, and every standard CDF here is computed as `F(-t) = 2^48 - F(t)` for `t > 0`; so
    /// the CDF is evaluated once per edge magnitude (up front) and mirrored for negative edges (half
    /// the evaluations of one per edge and phase, the same values). The working memory is allocated
    /// once per scale step.
    func tables(scaleIndex: Int, entry: QuantizedFamily.ScaleEntry, into destination: UnsafeMutablePointer<UInt16>) {
        let inverseScaleQ32 = Self.inverseScaleQ32(scaleIndex: scaleIndex)
        let radius = Int(entry.radius), phaseBits = Int(entry.phaseBits)
        let unitShift = phaseBits == 0 ? 7 : 8 - phaseBits
        let symbols = 2 * radius + 2, magnitudes = ((radius + 1) * 256) >> unitShift + 1
        let work = UnsafeMutablePointer<UInt64>.allocate(capacity: magnitudes + 3 * symbols)
        defer { work.deallocate() }
        let scratch = TableScratch(atMagnitude: work, edgeCDF: work + magnitudes, masses: work + magnitudes + symbols,
                                   starts: work + magnitudes + 2 * symbols)
        // Every magnitude the edges reach: all multiples of the unit (odd multiples of 128 when phaseBits = 0).
        fillMagnitudes(scratch.atMagnitude, count: magnitudes, first: phaseBits == 0 ? 1 : 0, step: phaseBits == 0 ? 2 : 1,
                       unitShift: unitShift, inverseScaleQ32: inverseScaleQ32)
        for phase in 0..<(1 << phaseBits) {
            let phaseQ8 = phaseBits == 0 ? 0 : Int64(phase - (1 << (phaseBits - 1))) << Int64(8 - phaseBits)
            table(radius: radius, phaseQ8: phaseQ8, unitShift: unitShift, inverseScaleQ32: inverseScaleQ32, scratch: scratch)
            let stored = destination + phase * symbols
            stored[0] = UInt16(truncatingIfNeeded: scratch.starts[symbols - 1])
            for k in 0..<(symbols - 1) { stored[k + 1] = UInt16(truncatingIfNeeded: scratch.starts[k]) }
        }
    }

    /// The standard CDF at the standardised magnitudes `index << unitShift` (Q8) into `atMagnitude[index]`
    /// for `index = first, first + step, ...` below `count`; Laplace ones four exponentials at a time.
    func fillMagnitudes(_ atMagnitude: UnsafeMutablePointer<UInt64>, count: Int, first: Int, step: Int, unitShift: Int,
                        inverseScaleQ32: UInt64) {
        func standardised(_ index: Int) -> Int64 { Self.standardised(Int64(index) << Int64(unitShift), inverseScaleQ32: inverseScaleQ32) }
        var index = first
        if distribution == .laplace {
            while index + 3 * step < count {
                (atMagnitude[index], atMagnitude[index + step], atMagnitude[index + 2 * step], atMagnitude[index + 3 * step]) =
                    FixedPointMath.laplaceCDF(nonNegative: (standardised(index), standardised(index + step),
                                                            standardised(index + 2 * step), standardised(index + 3 * step)))
                index += 4 * step
            }
        }
        while index < count {
            atMagnitude[index] = standardCDF(standardised(index))
            index += step
        }
    }

    /// Working memory of ``table(radius:phaseQ8:unitShift:inverseScaleQ32:scratch:)``: the CDF at every
    /// edge magnitude, and per symbol the edge CDFs, masses and cumulative starts.
    struct TableScratch {
        let atMagnitude: UnsafeMutablePointer<UInt64>
        let edgeCDF: UnsafeMutablePointer<UInt64>
        let masses: UnsafeMutablePointer<UInt64>
        let starts: UnsafeMutablePointer<UInt64>
    }

    /// Fewest phase bits p (0...8) with scale * 2^p >= 32, i.e. a mean step of at most 1/32 of the
    /// scale (or 1/256, the Q8 resolution): `logScale + p ln 2 >= 5 ln 2`, compared in Q32.
    static func phaseBits(logScaleQ8: Int64) -> Int {
        for bits in 0...8 where (logScaleQ8 << 24) + Int64(bits) * FixedPointMath.ln2Q32 >= 5 * FixedPointMath.ln2Q32 {
            return bits
        }
        return 8
    }

    /// Smallest radius R in 1...maximumRadius such that the centred bin at offset R + 1 has mass below
    /// 2^-(precision + 1) (rarer offsets are cheaper as escapes than as table symbols, which would each
    /// take at least 2^-precision), or the one-sided tail beyond distance R is at most 2^-(precision + 2).
    /// Both masses decrease with R, so a binary search finds it.
    func radius(inverseScaleQ32: UInt64) -> Int {
        func cdf(atQ8 edge: Int64) -> UInt64 {
            standardCDF(Self.standardised(edge, inverseScaleQ32: inverseScaleQ32))
        }
        func isWideEnough(_ radius: Int) -> Bool {
            let edge = Int64(radius) << 8
            let tail = FixedPointMath.oneQ48 - cdf(atQ8: edge)
            let nextBinMass = cdf(atQ8: edge + 384) - cdf(atQ8: edge + 128)
            return tail << UInt64(precision) <= 1 << 46 || nextBinMass << UInt64(precision + 1) < FixedPointMath.oneQ48
        }
        var low = 1
        var high = QuantizedFamily.maximumRadius
        if isWideEnough(low) { return low }
        if !isWideEnough(high) { return high }
        while high - low > 1 {  // invariant: !isWideEnough(low), isWideEnough(high)
            let middle = (low + high) / 2
            if isWideEnough(middle) { high = middle } else { low = middle }
        }
        return high
    }

    /// Cumulative starts of one table in coding order `[escape, -R ... -1, +R ... +1, 0]`, into
    /// `scratch.starts` (`2R + 2` values).
    /// Bin of offset k: `[k - 1/2 - phase, k + 1/2 - phase]` relative to the mean (in value units).
    /// The CDF at edge `e` (Q8) is `scratch.atMagnitude[|e| >> unitShift]`, mirrored (`2^48 - F`) when
    /// the standardised edge is negative.
    func table(radius: Int, phaseQ8: Int64, unitShift: Int, inverseScaleQ32: UInt64, scratch: TableScratch) {
        // CDF at the 2R + 2 bin edges in value order, forced non-decreasing.
        let edgeCDF = scratch.edgeCDF, masses = scratch.masses
        var last: UInt64 = 0
        for edge in 0..<(2 * radius + 2) {
            let edgeQ8 = Int64(edge - radius) * 256 - 128 - phaseQ8
            let magnitude = edgeQ8.magnitude
            let value = scratch.atMagnitude[Int(magnitude >> UInt64(unitShift))]
            let negative = edgeQ8 < 0 && Self.standardised(edgeQ8, inverseScaleQ32: inverseScaleQ32) != 0
            last = max(negative ? FixedPointMath.oneQ48 - value : value, last)
            edgeCDF[edge] = last
        }
        masses[0] = edgeCDF[0] + (FixedPointMath.oneQ48 - edgeCDF[2 * radius + 1])
        for k in 0..<radius { masses[1 + k] = edgeCDF[k + 1] - edgeCDF[k] }  // offsets -R ... -1
        for k in 0..<radius {  // offsets +R ... +1
            let offset = radius - k
            masses[1 + radius + k] = edgeCDF[offset + radius + 1] - edgeCDF[offset + radius]
        }
        masses[2 * radius + 1] = edgeCDF[radius + 1] - edgeCDF[radius]
        Self.quantizedStarts(masses: masses, count: 2 * radius + 2, precision: precision, into: scratch.starts)
    }

    /// Rounds the `count` cumulative masses (Q48, summing to 2^48) to `precision` bits, then makes the
    /// starts strictly increasing from 0 with a last start below 2^precision (so every frequency is >= 1):
    /// forward `s[i] = max(s[i], s[i-1] + 1)`, backward `s[i] = min(s[i], s[i+1] - 1)` with `s[n] = 2^precision`.
    static func quantizedStarts(masses: UnsafePointer<UInt64>, count: Int, precision: Int, into starts: UnsafeMutablePointer<UInt64>) {
        var cumulativeMass: UInt64 = 0
        for index in 0..<count {
            starts[index] = (((cumulativeMass << UInt64(precision)) >> 47) + 1) >> 1
            cumulativeMass += masses[index]
        }
        for index in 1..<count { starts[index] = max(starts[index], starts[index - 1] + 1) }
        var next = UInt64(1) << UInt64(precision)
        for index in (1..<count).reversed() {
            starts[index] = min(starts[index], next - 1)
            next = starts[index]
        }
    }
}
