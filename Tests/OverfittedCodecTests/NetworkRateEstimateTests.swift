import Foundation
import Testing
@testable import OverfittedCodec

/// The networks' rate estimate that training weighs (``NetworkRateEstimate``).
@Suite struct NetworkRateEstimateTests {
    /// `count` values of a zero-mean Laplace of scale `scale`, by inverting its distribution function.
    static func laplaceValues(count: Int, scale: Float, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let u = generator.uniform(0.5)  // in [-0.5, 0.5): the magnitude is kept below 0.5, where the log is finite
            return -scale * (u < 0 ? -1 : 1) * Foundation.log(1 - 2 * min(abs(u), 0.4999))
        }
    }

    /// Against what the network stream really costs (``NetworkCoding``'s code lengths, less the unit's
    /// 11 side bits) for Laplace-distributed values on a step well below their scale.
    @Test(arguments: [(Float(0.05), 9), (Float(0.3), 6), (Float(0.01), 12)])
    func estimateIsTheCodedSizeOfLaplaceValues(scale: Float, exponent: Int) {
        let values = Self.laplaceValues(count: 600, scale: scale, seed: UInt64(exponent))
        let step = Float(sign: .plus, exponent: -exponent, significand: 1)
        let tensor = QuantizedNetworks.Tensor(quantizing: values[...], exponent: exponent)
        let coded = NetworkCoding.bestScale(tensor.values).bits - Double(NetworkCoding.exponentBits + NetworkCoding.scaleIndexBits)
        let estimate = NetworkRateEstimate.bits(of: values[...], step: step)
        #expect(abs(estimate / coded - 1) < 0.03, "estimated \(estimate) bits, coded \(coded)")
    }

    /// The gradient it adds is the derivative of the summed estimates (central differences).
    @Test func gradientIsTheDerivativeOfTheEstimate() {
        let shape = NetworkCodingTests.shape
        var generator = SeededGenerator(seed: 5)
        let networks = shape.initialNetworks(generator: &generator, outputMeans: [0.5, 0.4, 0.3])
        var random = networks
        for network in [QuantizedNetworks.Network.arm, .upsampling, .synthesis, .interGrid] {
            random[network] = networks[network].map { _ in generator.uniform(0.2) }
        }
        let estimate = NetworkRateEstimate(shape: shape)
        var gradients = NetworkParameters(arm: random.arm.map { _ in 0 }, upsampling: random.upsampling.map { _ in 0 },
                                          synthesis: random.synthesis.map { _ in 0 }, interGrid: random.interGrid.map { _ in 0 })
        estimate.addGradient(of: random, bitWeight: 2, to: &gradients)
        func total(_ networks: NetworkParameters) -> Double {
            estimate.units.reduce(0.0) { $0 + NetworkRateEstimate.bits(of: networks[$1.network][$1.range], step: 1e-3) }
        }
        var checked = 0
        for unit in estimate.units {
            for i in [unit.range.lowerBound, unit.range.upperBound - 1] where abs(random[unit.network][i]) > 1e-3 {
                let h: Float = 1e-4
                var plus = random, minus = random
                plus[unit.network][i] += h
                minus[unit.network][i] -= h
                let numeric = 2 * (total(plus) - total(minus)) / Double(2 * h)
                let analytic = Double(gradients[unit.network][i])
                #expect(abs(numeric - analytic) <= 1e-2 * abs(analytic), "\(unit.name)[\(i)]: \(numeric) vs \(analytic)")
                checked += 1
            }
        }
        #expect(checked >= estimate.units.count)
    }
}
