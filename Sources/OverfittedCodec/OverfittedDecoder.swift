import CNeuralKernels
import Foundation
import ImageCore
import NeuralKernels

/// Decodes `.ncx` files (layout in docs/bitstream.md).
///
/// The latents are decoded with integer arithmetic only (fixed-point ARM, integer-built tables),
/// so they are identical on every machine; the synthesis is Float32 arithmetic without fused
/// multiply-adds or libm calls, done in an order that does not depend on the thread count.
public enum OverfittedDecoder {
    /// The decoded image (gray or RGB, at the bit depth the header records).
    public static func decode(_ data: Data, threads: Int = 1) throws(OverfittedDecodeError) -> Image {
        var phases = DecodePhases()
        return try decode(data, threads: threads, phases: &phases)
    }

    /// A parameter unit of a file's network stream: parameters sharing one quantisation step.
    public struct ParameterUnit: Sendable, Equatable {
        public let name: String
        public let count: Int
        /// The step is `2^-stepExponent`.
        public let stepExponent: Int
        /// Its share of the network stream: the code lengths of its integers plus its 11 side bits.
        public let bits: Double
    }

    /// The units of `data`'s network stream (for `ncodec info`), after the same checks as ``decode(_:threads:)``'s.
    public static func parameterUnits(_ data: Data) throws(OverfittedDecodeError) -> [ParameterUnit] {
        let (_, _, networks, scaleIndices) = try headerShapeAndNetworks([UInt8](data))
        return networks.units.indices.map { i in
            let unit = networks.units[i], tensor = networks.tensors[i]
            return ParameterUnit(name: unit.name, count: unit.range.count, stepExponent: tensor.exponent,
                                 bits: NetworkCoding.bits(of: tensor.values, scaleIndex: scaleIndices[i]))
        }
    }

    /// The checked header of `bytes` (a whole file), the model shape it gives, and the networks of its
    /// network stream with the scale index each unit was coded at.
    private static func headerShapeAndNetworks(_ bytes: [UInt8]) throws(OverfittedDecodeError)
        -> (header: NCXHeader, shape: ModelShape, networks: QuantizedNetworks, scaleIndices: [Int]) {
        let header = try NCXHeader.parse(bytes)
        guard let shape = ModelShape(architecture: header.architecture, width: header.width, height: header.height) else {
            throw .invalidHeader("network shape \(header.architecture)")
        }
        let networkStart = NCXHeader.byteCount
        let (networks, scaleIndices) = try NetworkCoding.decode(Array(bytes[networkStart..<(networkStart + header.networkStreamByteCount)]),
                                                                units: QuantizedNetworks.units(shape: shape))
        return (header, shape, networks, scaleIndices)
    }

    /// ``decode(_:threads:)``, also recording the time of each phase in `phases`.
    public static func decode(_ data: Data, threads: Int, phases: inout DecodePhases) throws(OverfittedDecodeError) -> Image {
        var clock = ContinuousClock.now
        let bytes = [UInt8](data)
        let (header, shape, networks, _) = try headerShapeAndNetworks(bytes)
        let parallel = ParallelChunks(threads: threads)
        let latentStart = NCXHeader.byteCount + header.networkStreamByteCount
        let latentBytes = Array(bytes[latentStart..<(latentStart + header.latentStreamByteCount)])
        phases.parse = DecodePhases.lap(&clock)
        let latents = try LatentCoding(shape: shape, networks: networks, parallel: parallel)
            .decode(latentBytes, armSeconds: &phases.arm)
        phases.rangeDecoding = DecodePhases.lap(&clock) - phases.arm
        let (width, pixels) = (header.width, header.width * header.height)
        let maxValue = Float((1 << header.bitDepth) - 1)
        // Every sample is written, a band of rows at a time.
        var channels = (0..<header.channels).map { _ in [Float](unsafeUninitializedCapacity: pixels) { _, count in count = pixels } }
        shape.reconstruct(latents: latents.map { Float($0) }, networks: networks.dequantized, parallel: parallel,
                          phases: &phases, clock: &clock) { rows, channel, samples in
            channels[channel].withUnsafeMutableBufferPointer { plane in
                quantizeSamples(samples, maxValue: maxValue,
                                into: UnsafeMutableBufferPointer(rebasing: plane[(rows.lowerBound * width)..<(rows.upperBound * width)]))
            }
        }
        let decoded = try image(channels: channels, header: header)
        phases.output += DecodePhases.lap(&clock)
        return decoded
    }

    /// `v.rounded()` (half away from zero) for `v` in [0, 2^23): `t = Int32(v)` truncates exactly and
    /// `v - t` is exact in that range, so comparing it with 1/2 decides the rounding as `roundf` does,
    /// without a library call on CPUs lacking a rounding instruction.
    @inline(__always)
    static func roundedHalfAway(_ v: Float) -> Float {
        let t = Float(Int32(v))
        return v - t >= 0.5 ? t + 1 : t
    }

    /// `samples` clamped to [0, 1] and quantised to `maxValue` levels into `destination` (as many
    /// values; non-finite values, possible only from a hostile file, become 0). At `level` AVX2 or
    /// above (at most ``Acceleration/level``; tests pass `.portable` to compare)
    /// `nk_quantize_samples_avx2` does the same operations.
    static func quantizeSamples(_ samples: UnsafeBufferPointer<Float>, maxValue: Float, into destination: UnsafeMutableBufferPointer<Float>,
                                level: Acceleration.Level = Acceleration.level) {
        let count = min(samples.count, destination.count)
        guard let source = samples.baseAddress, let out = destination.baseAddress else { return }
        if min(level, Acceleration.level) >= .avx2 {
            nk_quantize_samples_avx2(source, count, maxValue, out)
            return
        }
        for i in 0..<count {
            // Clamped as the synthesis' output, then finite check and quantisation.
            let v = min(max(source[i], 0), 1)
            out[i] = v.isFinite ? roundedHalfAway(min(max(v, 0), 1) * maxValue) / maxValue : 0
        }
    }

    /// The image of the header's size, colour model and bit depth from its quantised channel planes.
    static func image(channels: [[Float]], header: NCXHeader) throws(OverfittedDecodeError) -> Image {
        let planes = channels.compactMap { Plane(width: header.width, height: header.height, samples: $0) }
        let model: Image.ColorModel = header.channels == 1 ? .gray : .rgb
        guard planes.count == channels.count, let image = Image(colorModel: model, bitDepth: header.bitDepth, planes: planes) else {
            throw .invalidHeader("\(header.channels) channels at \(header.bitDepth) bits")
        }
        return image
    }
}
