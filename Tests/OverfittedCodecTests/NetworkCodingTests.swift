import EntropyCoding
import NeuralKernels
import Testing
@testable import OverfittedCodec

/// The network parameter stream and the units it is made of.
@Suite struct NetworkCodingTests {
    static let shape = ModelShape(architecture: Architecture(contextSize: 8, synthesisWidth: 12, residualLayers: 2, outputChannels: 3),
                                  width: 40, height: 24)!

    /// Random integers of every unit, peaked at zero (a product of two uniforms) with a per-unit
    /// spread from 0 (all zero) to 2^20 (mostly escapes of the Laplace tables), at random step exponents.
    static func randomNetworks(seed: UInt64) -> QuantizedNetworks {
        var generator = SeededGenerator(seed: seed)
        let units = QuantizedNetworks.units(shape: shape)
        return QuantizedNetworks(units: units, tensors: units.enumerated().map { index, unit in
            let spread = index == 0 ? 0 : Float(1 << Int.random(in: 0...20, using: &generator))
            let values = unit.range.map { _ in
                Int32((spread * generator.uniform(1) * generator.uniform(1)).rounded())
            }
            return QuantizedNetworks.Tensor(exponent: Int.random(in: 0...QuantizedNetworks.maximumExponent, using: &generator),
                                            values: values)
        })
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func streamRoundTripsAndCostsWhatTheQuantizerCounts(seed: UInt64) throws {
        let networks = Self.randomNetworks(seed: seed)
        let bytes = NetworkCoding.encode(networks)
        let decoded = try NetworkCoding.decode(bytes, units: networks.units)
        #expect(decoded.networks == networks)
        #expect(decoded.scaleIndices == networks.tensors.map { NetworkCoding.bestScale($0.values).index })
        // The quantiser's estimate (ideal code lengths plus side bits) is the stream's size within
        // the range coder's few bytes of flushing.
        let estimate = networks.tensors.reduce(0.0) { $0 + NetworkCoding.bestScale($1.values).bits } / 8
        #expect(abs(Double(bytes.count) - estimate) < 4, "\(bytes.count) bytes, estimated \(estimate)")
    }

    /// What `ncodec info` lists: every unit of an encoded file, their code lengths adding up to the stream.
    @Test func parameterUnitsOfAFileAddUpToItsNetworkStream() throws {
        let image = TestImages.make(width: 24, height: 20, channels: 3)
        let file = try OverfittedEncoder(configuration: TestImages.configuration(iterations: 30)).encode(image)
        let units = try OverfittedDecoder.parameterUnits(file)
        let header = try NCXHeader.parse([UInt8](file))
        let shape = try #require(ModelShape(architecture: header.architecture, width: 24, height: 20))
        #expect(units.map(\.name) == QuantizedNetworks.units(shape: shape).map(\.name))
        #expect(units.reduce(0) { $0 + $1.count }
                    == shape.arm.layout.totalCount + shape.interGrid.parameterCount + shape.upsampler.layout.totalCount
                    + shape.synthesis.layout.totalCount)
        #expect(shape.interGrid.parameterCount > 0)
        let estimate = units.reduce(0.0) { $0 + $1.bits } / 8
        #expect(abs(Double(header.networkStreamByteCount) - estimate) < 4)
    }

    @Test func unitsCoverEveryParameterOnce() {
        let units = QuantizedNetworks.units(shape: Self.shape)
        for (network, count) in [(QuantizedNetworks.Network.arm, Self.shape.arm.layout.totalCount),
                                 (.upsampling, Self.shape.upsampler.layout.totalCount),
                                 (.synthesis, Self.shape.synthesis.layout.totalCount)] {
            let ranges = units.filter { $0.network == network }.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        }
    }

    /// The decoder reports the scale each unit was coded at, also when it is not the best one (as
    /// another encoder may choose), and `bits(of:scaleIndex:)` then counts that scale's code lengths.
    @Test func decodedScaleIndicesAreTheCodedOnes() throws {
        let units = [QuantizedNetworks.Unit(network: .arm, range: 0..<5, name: "one")]
        let values: [Int32] = [3, -2, 0, 7, 1]
        let coded = NetworkCoding.bestScale(values).index + 9
        let tensor = QuantizedNetworks.Tensor(exponent: 4, values: values)
        var encoder = RangeEncoder()
        NetworkCoding.write(tensor, scaleIndex: coded, to: &encoder)
        let decoded = try NetworkCoding.decode(encoder.finish(), units: units)
        #expect(decoded.networks.tensors == [tensor])
        #expect(decoded.scaleIndices == [coded])
        #expect(NetworkCoding.bits(of: values, scaleIndex: coded) > NetworkCoding.bestScale(values).bits)
    }

    @Test func anExponentAbove16IsACorruptStream() {
        var encoder = RangeEncoder()
        encoder.encodeBits(17, count: NetworkCoding.exponentBits)
        encoder.encodeBits(0, count: NetworkCoding.scaleIndexBits)
        let bytes = encoder.finish()
        #expect(throws: OverfittedDecodeError.corruptStream("network parameters: step exponent 17")) {
            try NetworkCoding.decode(bytes, units: QuantizedNetworks.units(shape: Self.shape))
        }
    }

    /// An ARM whose weight matrices have different steps computes exactly what the same values on
    /// one common step compute.
    @Test func armUnitsOnDifferentStepsGiveTheSameArithmetic() {
        let layout = ARMLayout(context: 6)
        var generator = SeededGenerator(seed: 5)
        let units = QuantizedNetworks.units(arm: layout)
        let exponents = [5, 9, 7, 11, 12]
        let mixed = QuantizedNetworks(units: units, tensors: zip(units, exponents).map { unit, exponent in
            QuantizedNetworks.Tensor(exponent: exponent, values: unit.range.map { _ in Int32.random(in: -200...200, using: &generator) })
        })
        var common: [Int32] = []
        for (index, tensor) in mixed.tensors.prefix(4).enumerated() { common += tensor.values.map { $0 << (11 - exponents[index]) } }
        let reference = QuantizedNetworks.arm(layout: layout, weights: common, weightExponent: 11,
                                              biases: mixed.tensors[4].values, biasExponent: 12)
        #expect(mixed.dequantized.arm == reference.dequantized.arm)
        let grid = (0..<(9 * 7)).map { _ in Int32.random(in: -20...20, using: &generator) }
        for level in [Acceleration.Level.portable, Acceleration.level] {
            let a = FixedPointARM(networks: mixed, layout: layout, level: level)
            let b = FixedPointARM(networks: reference, layout: layout, level: level)
            let sa = a.makeScratch(), sb = b.makeScratch()
            defer { sa.deallocate(); sb.deallocate() }
            grid.withUnsafeBufferPointer { g in
                for y in 0..<7 {
                    for x in 0..<9 {
                        #expect(a.outputSums(grid: g, width: 9, height: 7, x: x, y: y, scratch: sa)
                                    == b.outputSums(grid: g, width: 9, height: 7, x: x, y: y, scratch: sb))
                    }
                }
            }
        }
    }
}
