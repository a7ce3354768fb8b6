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
    /// Every bin edge of every phase is a multiple of `unit` (Q8) with magnitude at most `(R + 1) * 256`,
    /// and every standard CDF here is computed as `F(-t) = 2^48 - F(t)` for `t > 0`; so the CDF is
    /// evaluated once per edge magnitude and mirrored for negative edges (half the evaluations of one
    /// per edge and phase, the same values). The working arrays are allocated once per scale step.
    func tables(scaleIndex: Int, entry: QuantizedFamily.ScaleEntry, into destination: UnsafeMutablePointer<UInt16>) {
        let inverseScaleQ32 = Self.inverseScaleQ32(scaleIndex: scaleIndex)
        let radius = Int(entry.radius), phaseBits = Int(entry.phaseBits)
        let unit: UInt64 = phaseBits == 0 ? 128 : 1 << UInt64(8 - phaseBits)
        var atMagnitude = [UInt64](repeating: .max, count: Int(UInt64(radius + 1) * 256 / unit) + 1)
        if distribution == .laplace {
            // Every magnitude the edges reach (all multiples of `unit`; odd multiples of 128 when
            // phaseBits = 0), two at a time: the values the lazy evaluation below would compute.
            let first = phaseBits == 0 ? 1 : 0, step = phaseBits == 0 ? 2 : 1
            let indices = Array(stride(from: first, to: atMagnitude.count, by: step))
            for pair in stride(from: 0, to: indices.count, by: 2) {
                let i = indices[pair], j = indices[min(pair + 1, indices.count - 1)]
                let t = Self.standardised(Int64(UInt64(i) * unit), inverseScaleQ32: inverseScaleQ32)
                let u = Self.standardised(Int64(UInt64(j) * unit), inverseScaleQ32: inverseScaleQ32)
                (atMagnitude[i], atMagnitude[j]) = FixedPointMath.laplaceCDF(nonNegative: t, u)
            }
        }
        func cdf(atQ8 edge: Int64) -> UInt64 {
            let index = Int(edge.magnitude / unit)
            if atMagnitude[index] == .max {
                atMagnitude[index] = standardCDF(Self.standardised(Int64(edge.magnitude), inverseScaleQ32: inverseScaleQ32))
            }
            let t = Self.standardised(edge, inverseScaleQ32: inverseScaleQ32)
            return t >= 0 ? atMagnitude[index] : FixedPointMath.oneQ48 - atMagnitude[index]
        }
        let symbols = 2 * radius + 2
        var scratch = TableScratch(symbols: symbols)
        for phase in 0..<(1 << phaseBits) {
            let phaseQ8 = phaseBits == 0 ? 0 : Int64(phase - (1 << (phaseBits - 1))) << Int64(8 - phaseBits)
            table(radius: radius, phaseQ8: phaseQ8, cdf: cdf, scratch: &scratch)
            let stored = destination + phase * symbols
            stored[0] = UInt16(scratch.starts[symbols - 1])
            for k in 0..<(symbols - 1) { stored[k + 1] = UInt16(scratch.starts[k]) }
        }
    }

    /// Working arrays of ``table(radius:phaseQ8:cdf:scratch:)`` for tables of `symbols` symbols.
    struct TableScratch {
        var edgeCDF: [UInt64]
        var masses: [UInt64]
        var starts: [Int]

        init(symbols: Int) {
            edgeCDF = [UInt64](repeating: 0, count: symbols)
            masses = edgeCDF
            starts = [Int](repeating: 0, count: symbols)
        }
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
    /// `scratch.starts` (`2R + 2` values; `scratch` holds that many in each array).
    /// Bin of offset k: `[k - 1/2 - phase, k + 1/2 - phase]` relative to the mean (in value units).
    /// `cdf(edgeQ8)` is the standard CDF at the standardised edge.
    func table(radius: Int, phaseQ8: Int64, cdf: (Int64) -> UInt64, scratch: inout TableScratch) {
        // CDF at the 2R + 2 bin edges in value order, forced non-decreasing.
        var last: UInt64 = 0
        for edge in 0..<(2 * radius + 2) {
            let edgeQ8 = Int64(edge - radius) * 256 - 128 - phaseQ8
            last = max(cdf(edgeQ8), last)
            scratch.edgeCDF[edge] = last
        }
        let lastEdge = scratch.edgeCDF[2 * radius + 1]
        scratch.masses[0] = scratch.edgeCDF[0] + (FixedPointMath.oneQ48 - lastEdge)
        var next = 1
        for offset in -radius ... -1 {
            scratch.masses[next] = scratch.edgeCDF[offset + radius + 1] - scratch.edgeCDF[offset + radius]
            next += 1
        }
        for offset in (1...radius).reversed() {
            scratch.masses[next] = scratch.edgeCDF[offset + radius + 1] - scratch.edgeCDF[offset + radius]
            next += 1
        }
        scratch.masses[next] = scratch.edgeCDF[radius + 1] - scratch.edgeCDF[radius]
        Self.quantizedStarts(masses: scratch.masses, precision: precision, into: &scratch.starts)
    }

    /// Rounds the cumulative masses (Q48, summing to 2^48) to `precision` bits, then makes the starts
    /// strictly increasing from 0 with a last start below 2^precision (so every frequency is >= 1):
    /// forward `s[i] = max(s[i], s[i-1] + 1)`, backward `s[i] = min(s[i], s[i+1] - 1)` with `s[n] = 2^precision`.
    /// `starts` must have as many values as `masses`.
    static func quantizedStarts(masses: [UInt64], precision: Int, into starts: inout [Int]) {
        let total = 1 << precision
        var cumulativeMass: UInt64 = 0
        for index in masses.indices {
            starts[index] = Int((((cumulativeMass << UInt64(precision)) >> 47) + 1) >> 1)
            cumulativeMass += masses[index]
        }
        for index in starts.indices.dropFirst() { starts[index] = max(starts[index], starts[index - 1] + 1) }
        var next = total
        for index in starts.indices.dropFirst().reversed() {
            starts[index] = min(starts[index], next - 1)
            next = starts[index]
        }
    }
}
