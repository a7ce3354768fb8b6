import ArgumentParser
import Foundation
import ImageCore
import NeuralKernels
import OverfittedCodec

/// `ncodec decode IN.ncx -o OUT.png`.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode an .ncx file to PNG, PPM or PGM (same output for every thread count).")

    @Argument(help: "Input .ncx file.")
    var input: String

    @Option(name: .shortAndLong, help: "Output image (.png, .ppm or .pgm).")
    var output: String

    @Option(help: "Threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: input))
        Parallel.setMaxThreads(threads)
        let start = Date()
        let image = try OverfittedDecoder.decode(data, threads: threads)
        let seconds = Date().timeIntervalSince(start)
        try ImageFile.write(image, path: output)
        print("wrote \(output): \(image.width)x\(image.height), \(image.planes.count == 1 ? "gray" : "RGB"), \(image.bitDepth)-bit, decoded in \(Format.fixed(seconds * 1000, 1)) ms")
    }
}
