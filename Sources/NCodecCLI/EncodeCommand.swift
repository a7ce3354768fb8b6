import ArgumentParser
import Foundation
import ImageCore
import NeuralKernels
import OverfittedCodec

/// `ncodec encode IN.png -o OUT.ncx`: fits the overfitted codec to an image and writes the bitstream.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Encode a PNG/PPM/PGM image with the overfitted neural codec (.ncx).")

    @Argument(help: "Input image (PNG, PPM or PGM; gray or RGB, 8 or 16 bits).")
    var input: String

    @Option(name: .shortAndLong, help: "Output .ncx file.")
    var output: String

    @Option(help: "Rate-distortion trade-off: minimise MSE + lambda * bpp (e.g. 1e-4 ... 2e-2).")
    var lambda: Double?

    @Option(help: "Quality 1 (smallest files) ... 8 (best quality); ignored when --lambda is given.")
    var quality: Int?

    @Option(help: "Encoding effort: fast, medium or slow (time budgets, at any complexity: about 30 s, 1.5 and 7.5 minutes for a 768x512 image on 2 cores of an AMD EPYC Zen 4; fast and slow took about 50 s and 8.4 minutes on a 2.1 GHz Intel Xeon) or a number of iterations.")
    var preset: String = "medium"

    @Option(help: "Decoder complexity: low, medium, high or very-high (about 0.5, 1, 2, 3 kMAC/pixel), or auto: the one measured best for the preset and lambda (high below lambda \(EncoderConfiguration.highComplexityLambdaLimit) at the medium and slow presets, which includes the default quality 4; else medium).")
    var complexity: String = "auto"

    @Option(name: .customLong("pre-filter"),
            help: "Cool-chic 5's pre-concatenation filter on the latent grids: on, off, or auto (on below lambda \(EncoderConfiguration.preFilterLambdaLimit)).")
    var preFilter: String = "auto"

    @Option(name: .customLong("uncoded-grids"),
            help: "How many of the finest latent grids to leave out (all zero, not coded): 0 to \(Architecture.maxUncodedGrids), or auto (1 when the image's detail finer than 2x2 pixels, as a mean squared error, is below \(EncoderConfiguration.uncodedGridDetailRatio) times lambda, at the medium and slow presets only from lambda \(EncoderConfiguration.uncodedGridMinimumLambda(preset: .slow)) up; else 0).")
    var uncodedGrids: String = "auto"

    @Option(name: .customLong("refine-latents"),
            help: "Rate-distortion optimised rounding of the trained latents: on or off.")
    var refineLatents: String = "on"

    @Option(help: "Threads (the file is the same for every count).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Random seed of the initialisations and training noise.")
    var seed: UInt64 = 0

    func validate() throws {
        if let quality, !EncoderConfiguration.qualityRange.contains(quality) {
            throw ValidationError("--quality must be in 1...8 (got \(quality))")
        }
        if let lambda, !(lambda.isFinite && lambda > 0) { throw ValidationError("--lambda must be positive (got \(lambda))") }
        if EncodingPreset(argument: preset) == nil {
            throw ValidationError("--preset must be fast, medium, slow or a positive number of iterations (got '\(preset)')")
        }
        if complexity != "auto" && DecoderComplexity(rawValue: complexity) == nil {
            throw ValidationError("--complexity must be low, medium, high, very-high or auto (got '\(complexity)')")
        }
        if !["auto", "on", "off"].contains(preFilter) {
            throw ValidationError("--pre-filter must be on, off or auto (got '\(preFilter)')")
        }
        if uncodedGrids != "auto" && !(Int(uncodedGrids).map { (0...Architecture.maxUncodedGrids).contains($0) } ?? false) {
            throw ValidationError("--uncoded-grids must be 0...\(Architecture.maxUncodedGrids) or auto (got '\(uncodedGrids)')")
        }
        if !["on", "off"].contains(refineLatents) {
            throw ValidationError("--refine-latents must be on or off (got '\(refineLatents)')")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func encoderConfiguration() -> EncoderConfiguration {
        EncoderConfiguration(lambda: lambda ?? EncoderConfiguration.lambda(quality: quality ?? 4),
                             preset: EncodingPreset(argument: preset) ?? .medium,
                             complexity: DecoderComplexity(rawValue: complexity),
                             threads: threads, seed: seed, preFilter: preFilter == "auto" ? nil : preFilter == "on",
                             refineLatents: refineLatents == "on", uncodedGrids: Int(uncodedGrids))
    }

    func run() throws {
        MemoryPolicy.keepFreedMemoryForReuse()
        let image = try ImageFile.read(path: input)
        let configuration = encoderConfiguration()
        Parallel.setMaxThreads(threads)
        let reporter = ProgressReporter()
        let start = Date()
        let result = try OverfittedEncoder(configuration: configuration).encodeAndVerify(image) { reporter.report($0) }
        reporter.finish()
        try result.data.write(to: URL(fileURLWithPath: output))
        let seconds = Date().timeIntervalSince(start)
        print("""
            wrote \(output): \(result.data.count) bytes, \(Format.fixed(result.bitsPerPixel, 4)) bpp, \
            PSNR \(Format.fixed(result.psnr, 2)) dB (of the decoded image), \
            lambda \(configuration.lambda), \(configuration.preset) preset, \(configuration.complexity.rawValue) complexity\
            \(configuration.preFilter ? " with pre-filter" : ""), \(Format.fixed(seconds, 1)) s
            """)
    }
}
