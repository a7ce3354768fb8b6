import Foundation
import ImageCore

/// Encodes an image by fitting a small decoder to it (see docs/overfitted-codec.md).
public struct OverfittedEncoder: Sendable {
    public let configuration: EncoderConfiguration

    public init(configuration: EncoderConfiguration) {
        self.configuration = configuration
    }

    /// What an encode produced, measured on the bytes themselves.
    public struct Result: Sendable {
        /// The `.ncx` file.
        public var data: Data
        /// Exactly what ``OverfittedDecoder`` returns for `data`.
        public var decoded: Image
        /// `data.count * 8 / pixels`.
        public var bitsPerPixel: Double
        /// PSNR (dB) of `decoded` against the input over all channels, at the input's bit depth.
        public var psnr: Double
        public var header: NCXHeader
    }

    /// The `.ncx` bytes of `image`. Gray and RGB images, 8 or 16 bits (YCbCr input is converted to
    /// RGB); `progress` is called after every training iteration.
    public func encode(_ image: Image, progress: ((EncodeProgress) -> Void)? = nil) throws(OverfittedEncodeError) -> Data {
        try encodeAndVerify(image, progress: progress).data
    }

    /// Encodes, then decodes the bytes to report the exact rate and quality the decoder will give.
    public func encodeAndVerify(_ image: Image, progress: ((EncodeProgress) -> Void)? = nil) throws(OverfittedEncodeError) -> Result {
        let source = try validated(image)
        let channels = source.planes.count
        var architecture = configuration.complexity.architecture(outputChannels: channels)
        architecture.preFilter = configuration.preFilter
        let uncoded = configuration.uncodedGrids
            ?? EncoderConfiguration.automaticUncodedGrids(lambda: configuration.lambda, preset: configuration.preset,
                                                          finestDetail: Self.finestDetail(of: source))
        architecture.uncodedGrids = max(0, min(uncoded, Architecture.maxUncodedGrids,
                                               LatentGeometry(width: source.width, height: source.height).levels - 1))
        guard let shape = ModelShape(architecture: architecture, width: source.width, height: source.height) else {
            throw .internalInconsistency("preset \(configuration.complexity) gives an invalid network shape")
        }
        let parallel = ParallelChunks(threads: configuration.threads)
        let target = Array(source.planes.map(\.samples).joined())
        let evaluator = ModelEvaluator(shape: shape, target: target, lambda: Float(configuration.lambda), parallel: parallel)
        let trainer = Trainer(evaluator: evaluator, configuration: configuration, shape: shape)
        let (rounded, trained, networks) = trainer.fit(progress: progress)
        let quantized = NetworkQuantizer(evaluator: evaluator).quantize(networks, latents: rounded)
        let latents = configuration.refineLatents
            ? LatentRefinement(evaluator: evaluator, networks: quantized.dequantized,
                               threshold: configuration.latentRefinementThreshold,
                               sweeps: configuration.latentRefinementSweeps)
                .refine(latents: rounded, trained: trained, progress: progress).latents
            : rounded
        let data = Self.assemble(shape: shape, bitDepth: source.bitDepth, latents: latents, networks: quantized, parallel: parallel)
        do {
            let decoded = try OverfittedDecoder.decode(data, threads: configuration.threads)
            let header = try NCXHeader.parse([UInt8](data))
            return Result(data: data, decoded: decoded, bitsPerPixel: Double(data.count * 8) / Double(source.width * source.height),
                          psnr: Self.psnr(source, decoded), header: header)
        } catch {
            // The encoder's own output always decodes; reaching here is a bug, reported as such.
            throw .internalInconsistency("the encoder's output does not decode: \(error)")
        }
    }

    /// The image's detail finer than 2x2 pixels: the mean squared difference, over every sample of
    /// every channel (in [0, 1]), between the image and its 2x2 means (``Plane/downsampled2x()``)
    /// repeated over the 2x2 pixels each covers.
    public static func finestDetail(of image: Image) -> Double {
        var sum = 0.0, count = 0
        for plane in image.planes {
            let means = plane.downsampled2x()
            for y in 0..<plane.height {
                for x in 0..<plane.width {
                    let d = Double(plane.samples[y * plane.width + x] - means.samples[(y / 2) * means.width + x / 2])
                    sum += d * d
                }
            }
            count += plane.width * plane.height
        }
        return count > 0 ? sum / Double(count) : 0
    }

    private func validated(_ image: Image) throws(OverfittedEncodeError) -> Image {
        guard configuration.lambda.isFinite, configuration.lambda > 0 else { throw .invalidLambda(configuration.lambda) }
        guard (1...NCXHeader.maximumDimension).contains(image.width), (1...NCXHeader.maximumDimension).contains(image.height),
              image.width * image.height <= NCXHeader.maximumPixelCount else {
            throw .unsupportedSize(width: image.width, height: image.height)
        }
        guard image.bitDepth == 8 || image.bitDepth == 16 else { throw .unsupportedBitDepth(image.bitDepth) }
        return image.colorModel == .yCbCr ? image.converted(to: .rgb) : image
    }

    /// Header, network stream, latent stream, CRC-32.
    static func assemble(shape: ModelShape, bitDepth: Int, latents: [Float], networks: QuantizedNetworks,
                         parallel: ParallelChunks) -> Data {
        let networkBytes = NetworkCoding.encode(networks)
        let integers = latents.map { Int32($0) }
        let latentBytes = LatentCoding(shape: shape, networks: networks, parallel: parallel).encode(integers)
        let header = NCXHeader(width: shape.geometry.width, height: shape.geometry.height, bitDepth: bitDepth,
                               channels: shape.architecture.outputChannels, architecture: shape.architecture,
                               networkStreamByteCount: networkBytes.count, latentStreamByteCount: latentBytes.count)
        var bytes = header.serialized() + networkBytes + latentBytes
        let crc = CRC32.checksum(bytes)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        return Data(bytes)
    }

    /// PSNR over every sample of every channel, peak 1 (samples are normalised).
    static func psnr(_ a: Image, _ b: Image) -> Double {
        var sum = 0.0, count = 0
        for (p, q) in zip(a.planes, b.planes) {
            for i in 0..<p.samples.count {
                let d = Double(p.samples[i] - q.samples[i])
                sum += d * d
            }
            count += p.samples.count
        }
        return Trainer.psnr(mse: sum / Double(max(1, count)))
    }
}
