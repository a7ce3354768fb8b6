import EntropyCoding

/// Writes and reads the network parameter stream: for each group of ``QuantizedNetworks`` in
/// order, every integer as a signed Exp-Golomb code of the group's order (bypass bits of the range
/// coder, so each costs exactly its length).
enum NetworkCoding {
    /// The stream, and the Exp-Golomb order chosen (the cheapest) for each group.
    static func encode(_ networks: QuantizedNetworks) -> (bytes: [UInt8], orders: [Int]) {
        var encoder = RangeEncoder()
        var orders: [Int] = []
        for group in networks.groups {
            let order = ExpGolombLength.bestOrder(group.values).order
            orders.append(order)
            for value in group.values { encoder.encodeSignedExpGolomb(value, order: order) }
        }
        return (encoder.finish(), orders)
    }

    /// Reads the groups back given their sizes, step exponents and orders (from the header).
    static func decode(_ bytes: [UInt8], counts: [Int], exponents: [Int], orders: [Int]) throws(OverfittedDecodeError) -> QuantizedNetworks {
        var decoder = RangeDecoder(bytes: bytes)
        var groups: [QuantizedNetworks.Tensor] = []
        do {
            for (index, count) in counts.enumerated() {
                var values: [Int32] = []
                values.reserveCapacity(count)
                for _ in 0..<count { values.append(try decoder.decodeSignedExpGolomb(order: orders[index])) }
                groups.append(QuantizedNetworks.Tensor(exponent: exponents[index], values: values))
            }
        } catch {
            throw .corruptStream("network parameters: \(error)")
        }
        return QuantizedNetworks(groups: groups)
    }
}
