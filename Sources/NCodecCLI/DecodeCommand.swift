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

    @Flag(help: "Print the time of each decoding phase, and of reading and writing the files.")
    var timing = false

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let readStart = Date()
        let data = try Data(contentsOf: URL(fileURLWithPath: input))
        let readSeconds = Date().timeIntervalSince(readStart)
        Parallel.setMaxThreads(threads)
        MemoryPolicy.keepFreedMemoryForReuse()  // decoding frees and allocates several multi-megabyte planes
        MemoryPolicy.preferHugePages(heapBytes: 512 << 20)  // and first touches tens of megabytes
        let start = Date()
        var phases = DecodePhases()
        let image = try OverfittedDecoder.decode(data, threads: threads, phases: &phases)
        let seconds = Date().timeIntervalSince(start)
        let writeStart = Date()
        try ImageFile.write(image, path: output)
        let writeSeconds = Date().timeIntervalSince(writeStart)
        print("wrote \(output): \(image.width)x\(image.height), \(image.planes.count == 1 ? "gray" : "RGB"), \(image.bitDepth)-bit, decoded in \(Format.fixed(seconds * 1000, 1)) ms")
        if timing {
            print(Self.timingTable(phases: phases, decode: seconds, read: readSeconds, write: writeSeconds))
        }
    }

    /// Phase times in milliseconds, one per line.
    static func timingTable(phases: DecodePhases, decode: Double, read: Double, write: Double) -> String {
        let rows: [(String, Double)] = [
            ("read file", read), ("parse + networks", phases.parse), ("ARM", phases.arm),
            ("range decoding + tables", phases.rangeDecoding), ("up-sampling", phases.upsampling),
            ("synthesis", phases.synthesis), ("to output samples", phases.output),
            ("decode (to pixels in memory)", decode), ("write image file", write),
        ]
        return rows.map { name, seconds in
            "  " + name.padding(toLength: 30, withPad: " ", startingAt: 0) + String(format: "%8.1f ms", seconds * 1000)
        }.joined(separator: "\n")
    }
}
