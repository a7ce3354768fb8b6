import ImageCore
@testable import OverfittedCodec

/// Small deterministic test images.
enum TestImages {
    /// A smooth gradient plus a diagonal edge and some pseudo-random texture.
    static func make(width: Int, height: Int, channels: Int, bitDepth: Int = 8, seed: UInt64 = 1) -> Image {
        var generator = SeededGenerator(seed: seed)
        let maxValue = Float((1 << bitDepth) - 1)
        let planes = (0..<channels).map { c in
            var plane = Plane(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    let ramp = Float(x + y + c * 3) / Float(width + height + 6)
                    let edge: Float = x * 2 > y + width / 2 ? 0.3 : 0
                    let v = min(max(0.15 + 0.5 * ramp + edge + generator.uniform(0.05), 0), 1)
                    plane[x, y] = (v * maxValue).rounded() / maxValue
                }
            }
            return plane
        }
        return Image(colorModel: channels == 1 ? .gray : .rgb, bitDepth: bitDepth, planes: planes)!
    }

    static func configuration(iterations: Int = 40, lambda: Double = 1e-3, threads: Int = 2,
                              preFilter: Bool = false) -> EncoderConfiguration {
        EncoderConfiguration(lambda: lambda, preset: .iterations(iterations), complexity: .low, threads: threads, seed: 3,
                             preFilter: preFilter)
    }
}

extension QuantizedNetworks {
    /// An ARM alone, every weight matrix at step `2^-weightExponent` and the biases at `2^-biasExponent`
    /// (`weights` and `biases` indexed like `layout`'s ranges).
    static func arm(layout: ARMLayout, weights: [Int32], weightExponent: Int, biases: [Int32], biasExponent: Int) -> QuantizedNetworks {
        let units = QuantizedNetworks.units(arm: layout)
        let weightCount = layout.layout.weightCount
        return QuantizedNetworks(units: units, tensors: units.map { unit in
            unit.range.lowerBound < weightCount
                ? Tensor(exponent: weightExponent, values: Array(weights[unit.range]))
                : Tensor(exponent: biasExponent, values: Array(biases[(unit.range.lowerBound - weightCount)...]))
        })
    }
}
