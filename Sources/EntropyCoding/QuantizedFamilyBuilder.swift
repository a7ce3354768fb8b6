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

    func build() -> ([QuantizedFamily.ScaleEntry], [UInt16]) {
        var entries: [QuantizedFamily.ScaleEntry] = []
        var starts: [UInt16] = []
        for scaleIndex in 0..<QuantizedFamily.scaleCount {
            let logScaleQ8 = Int64(QuantizedFamily.minimumLogScale) + Int64(scaleIndex) * Int64(QuantizedFamily.logScaleStep)
            let inverseScaleQ32 = FixedPointMath.exp(-(logScaleQ8 << 24), fractionBits: 32)
            let radius = radius(inverseScaleQ32: inverseScaleQ32)
            let phaseBits = Self.phaseBits(logScaleQ8: logScaleQ8)
            entries.append(QuantizedFamily.ScaleEntry(
                firstTable: starts.count,
                radius: Int32(radius),
                phaseBits: Int32(phaseBits),
                escapeOrder: Int32(max(0, (Int.bitWidth - radius.leadingZeroBitCount) - 4))))
            for phase in 0..<(1 << phaseBits) {
                let phaseQ8 = phaseBits == 0 ? 0 : Int64(phase - (1 << (phaseBits - 1))) << Int64(8 - phaseBits)
                starts.append(contentsOf: table(radius: radius, phaseQ8: phaseQ8, inverseScaleQ32: inverseScaleQ32))
            }
        }
        return (entries, starts)
    }

    /// Fewest phase bits p (0...8) with scale * 2^p >= 64, i.e. a mean step of at most 1/64 of the
    /// scale: `logScale + p ln 2 >= 6 ln 2`, compared in Q32.
    static func phaseBits(logScaleQ8: Int64) -> Int {
        for bits in 0...8 where (logScaleQ8 << 24) + Int64(bits) * FixedPointMath.ln2Q32 >= 6 * FixedPointMath.ln2Q32 {
            return bits
        }
        return 8
    }

    /// Smallest radius R in 1...maximumRadius whose one-sided tail beyond distance R is at most
    /// 2^-(precision + 2): `(2^48 - F(R / scale)) << precision <= 2^46` (binary search; the tail decreases).
    func radius(inverseScaleQ32: UInt64) -> Int {
        func tailIsSmall(_ radius: Int) -> Bool {
            let tail = FixedPointMath.oneQ48 - standardCDF(Self.standardised(Int64(radius) << 8, inverseScaleQ32: inverseScaleQ32))
            return tail << UInt64(precision) <= 1 << 46
        }
        var low = 1
        var high = QuantizedFamily.maximumRadius
        if tailIsSmall(low) { return low }
        if !tailIsSmall(high) { return high }
        while high - low > 1 {  // invariant: !tailIsSmall(low), tailIsSmall(high)
            let middle = (low + high) / 2
            if tailIsSmall(middle) { high = middle } else { low = middle }
        }
        return high
    }

    /// Cumulative starts of one table in coding order `[escape, -R ... -1, +1 ... +R, 0]`.
    /// Bin of offset k: `[k - 1/2 - phase, k + 1/2 - phase]` relative to the mean (in value units).
    func table(radius: Int, phaseQ8: Int64, inverseScaleQ32: UInt64) -> [UInt16] {
        // CDF at the 2R + 2 bin edges in value order, forced non-decreasing.
        var edgeCDF: [UInt64] = []
        edgeCDF.reserveCapacity(2 * radius + 2)
        for edge in 0..<(2 * radius + 2) {
            let edgeQ8 = Int64(edge - radius) * 256 - 128 - phaseQ8
            let value = standardCDF(Self.standardised(edgeQ8, inverseScaleQ32: inverseScaleQ32))
            edgeCDF.append(max(value, edgeCDF.last ?? 0))
        }
        let lastEdge = edgeCDF[2 * radius + 1]
        func mass(ofOffset offset: Int) -> UInt64 {
            edgeCDF[offset + radius + 1] - edgeCDF[offset + radius]
        }
        var masses: [UInt64] = [edgeCDF[0] + (FixedPointMath.oneQ48 - lastEdge)]
        for offset in -radius ... -1 { masses.append(mass(ofOffset: offset)) }
        for offset in 1...radius { masses.append(mass(ofOffset: offset)) }
        masses.append(mass(ofOffset: 0))
        // Floor of the scaled cumulative mass plus one unit per symbol: frequencies >= 1, total 2^precision.
        let symbolCount = UInt64(masses.count)
        let free = (UInt64(1) << UInt64(precision)) - symbolCount
        var cumulativeMass: UInt64 = 0
        var starts: [UInt16] = []
        starts.reserveCapacity(masses.count)
        for (index, mass) in masses.enumerated() {
            starts.append(UInt16(UInt64(index) + ((cumulativeMass * free) >> 48)))
            cumulativeMass += mass
        }
        return starts
    }
}
