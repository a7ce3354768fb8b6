/// Lengths of signed Exp-Golomb codes (the entropy layer's mapping: `v > 0 -> 2v - 1`,
/// `v <= 0 -> -2v`, then unsigned order-`k` Exp-Golomb), to pick the cheapest order per group.
enum ExpGolombLength {
    /// Bits of the signed order-`order` code of `value`.
    static func bits(_ value: Int32, order: Int) -> Int {
        let wide = Int64(value)
        let mapped = UInt64(wide > 0 ? 2 * wide - 1 : -2 * wide)
        let shifted = mapped + (1 << UInt64(order))
        let length = 64 - shifted.leadingZeroBitCount
        return 2 * length - 1 - order
    }

    /// The order in 0...16 with the fewest total bits for `values`, and that total.
    static func bestOrder(_ values: [Int32]) -> (order: Int, bits: Int) {
        var best = (order: 0, bits: Int.max)
        for order in 0...16 {
            let total = values.reduce(0) { $0 + bits($1, order: order) }
            if total < best.bits { best = (order, total) }
        }
        return best
    }
}
