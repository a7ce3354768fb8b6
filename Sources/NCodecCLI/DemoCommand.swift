import ArgumentParser
import Foundation
import ImageCore
import NeuralKernels
import OverfittedCodec

/// `ncodec demo`: encodes the built-in picture at a fast preset, decodes it, prints rate, quality
/// and times. Needs no files.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Encode and decode a built-in generated image; print bpp, PSNR and times.")

    @Option(help: "Quality 1...8.")
    var quality: Int = 4

    @Option(help: "Encoding effort: fast, medium, slow or a number of iterations.")
    var preset: String = "fast"

    @Option(help: "Threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Write the decoded image here (optional).")
    var output: String?

    func validate() throws {
        if !EncoderConfiguration.qualityRange.contains(quality) { throw ValidationError("--quality must be in 1...8") }
        if EncodingPreset(argument: preset) == nil { throw ValidationError("--preset must be fast, medium, slow or a number") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        MemoryPolicy.keepFreedMemoryForReuse()
        let image = DemoImage.make()
        Parallel.setMaxThreads(threads)
        let configuration = EncoderConfiguration(lambda: EncoderConfiguration.lambda(quality: quality),
                                                 preset: EncodingPreset(argument: preset) ?? .fast,
                                                 complexity: .low, threads: threads, seed: 0)
        print("ncodec demo: built-in \(image.width)x\(image.height) RGB image, quality \(quality) (lambda \(Format.fixed(configuration.lambda * 1e4, 2))e-4), \(configuration.preset) preset, \(configuration.complexity.rawValue) complexity, \(threads) thread(s)")
        let reporter = ProgressReporter()
        let encodeStart = Date()
        let result = try OverfittedEncoder(configuration: configuration).encodeAndVerify(image) { reporter.report($0) }
        reporter.finish()
        let encodeSeconds = Date().timeIntervalSince(encodeStart)
        let decodeStart = Date()
        let decoded = try OverfittedDecoder.decode(result.data, threads: threads)
        let decodeSeconds = Date().timeIntervalSince(decodeStart)
        guard decoded == result.decoded else { throw ValidationError("internal error: decode differs from the encoder's check") }
        if let output { try ImageFile.write(decoded, path: output) }
        let macs = result.header.architecture.macsPerPixel(width: image.width, height: image.height)
        print("""
            size:    \(result.data.count) bytes = \(Format.fixed(result.bitsPerPixel, 4)) bpp \
            (networks \(result.header.networkStreamByteCount) B, latents \(result.header.latentStreamByteCount) B, \
            header+CRC \(NCXHeader.byteCount + NCXHeader.checksumByteCount) B)
            quality: PSNR \(Format.fixed(result.psnr, 2)) dB (RGB, decoded image)
            encode:  \(Format.fixed(encodeSeconds, 2)) s (\(configuration.preset.iterationCount(for: configuration.complexity, uncodedGrids: result.header.architecture.uncodedGrids)) iterations)
            decode:  \(Format.fixed(decodeSeconds * 1000, 1)) ms (\(Format.fixed(macs, 0)) MAC/pixel)
            """)
    }
}
