import EntropyCoding

/// Writes and reads the network parameter stream: for each unit of ``QuantizedNetworks`` in order,
/// its step exponent (5 bits) and the scale of a zero-mean Laplace (6 bits, ``logScale(index:)``),
/// then its integers coded under that Laplace with the entropy layer's tables (the latents'
/// `laplace16`). Against one signed Exp-Golomb code per integer (format version 2), about 4% fewer
/// bits on Kodak files: the integers of a tensor are close to Laplace distributed.
enum NetworkCoding {
    static let family = QuantizedFamily.laplace16
    /// Bits of the step exponent and of the scale index.
    static let exponentBits = 5, scaleIndexBits = 6

    /// The log-scale (Q8, natural log) of scale index `index`: ln(scale) from -2 to 5.875 in steps of 1/8.
    static func logScale(index: Int) -> Int32 { Int32(-512 + 32 * index) }

    /// The bits of a unit whose integers are `values`, coded at scale index `index` (the 11 side
    /// bits included).
    static func bits(of values: [Int32], scaleIndex index: Int) -> Double {
        let scale = logScale(index: index)
        return values.reduce(Double(exponentBits + scaleIndexBits)) { $0 + family.codeLength(of: $1, mean: 0, logScale: scale) }
    }

    /// The scale index with the fewest bits for `values`, and those bits (the 11 side bits included).
    static func bestScale(_ values: [Int32]) -> (index: Int, bits: Double) {
        var best = (index: 0, bits: Double.infinity)
        for index in 0..<(1 << scaleIndexBits) {
            let bits = bits(of: values, scaleIndex: index)
            if bits < best.bits { best = (index, bits) }
        }
        return best
    }

    static func encode(_ networks: QuantizedNetworks) -> [UInt8] {
        var encoder = RangeEncoder()
        for tensor in networks.tensors { write(tensor, scaleIndex: bestScale(tensor.values).index, to: &encoder) }
        return encoder.finish()
    }

    /// Writes one unit: its step exponent, scale index `index`, then its integers at that scale.
    static func write(_ tensor: QuantizedNetworks.Tensor, scaleIndex index: Int, to encoder: inout RangeEncoder) {
        encoder.encodeBits(UInt32(tensor.exponent), count: exponentBits)
        encoder.encodeBits(UInt32(index), count: scaleIndexBits)
        for value in tensor.values { encoder.encode(value, mean: 0, logScale: logScale(index: index), using: family) }
    }

    /// Reads the units of a model of that shape (``QuantizedNetworks/units(shape:)``), and the scale
    /// index each was coded at.
    static func decode(_ bytes: [UInt8], units: [QuantizedNetworks.Unit]) throws(OverfittedDecodeError)
        -> (networks: QuantizedNetworks, scaleIndices: [Int]) {
        var decoder = RangeDecoder(bytes: bytes)
        var tensors: [QuantizedNetworks.Tensor] = []
        var scaleIndices: [Int] = []
        do {
            for unit in units {
                let exponent = Int(try decoder.decodeBits(count: exponentBits))
                guard exponent <= QuantizedNetworks.maximumExponent else {
                    throw OverfittedDecodeError.corruptStream("network parameters: step exponent \(exponent)")
                }
                let scaleIndex = Int(try decoder.decodeBits(count: scaleIndexBits))
                scaleIndices.append(scaleIndex)
                let scale = logScale(index: scaleIndex)
                var values: [Int32] = []
                values.reserveCapacity(unit.range.count)
                for _ in unit.range { values.append(try decoder.decode(mean: 0, logScale: scale, using: family)) }
                tensors.append(QuantizedNetworks.Tensor(exponent: exponent, values: values))
            }
        } catch let error as OverfittedDecodeError {
            throw error
        } catch {
            throw .corruptStream("network parameters: \(error)")
        }
        return (QuantizedNetworks(units: units, tensors: tensors), scaleIndices)
    }
}
