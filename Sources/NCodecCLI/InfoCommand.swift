import ArgumentParser
import Foundation
import OverfittedCodec

/// `ncodec info IN.ncx`: the header and the size of each part.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Print an .ncx file's header and the size of each part.")

    @Argument(help: "Input .ncx file.")
    var input: String

    func run() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: input))
        let header = try NCXHeader.parse([UInt8](data))
        print(Self.describe(header, units: try OverfittedDecoder.parameterUnits(data)))
    }

    static func describe(_ h: NCXHeader, units: [OverfittedDecoder.ParameterUnit]) -> String {
        let pixels = Double(h.width * h.height)
        func part(_ name: String, _ bytes: Int) -> String {
            "  \(name): \(bytes) bytes (\(Format.fixed(Double(bytes * 8) / pixels, 4)) bpp)"
        }
        let steps = units.map { "    \($0.name): \($0.count) values, step 2^-\($0.stepExponent), \(Format.fixed($0.bits / 8, 0)) bytes" }
        let a = h.architecture
        return """
            .ncx version \(NCXHeader.currentVersion), overfitted codec
            image: \(h.width)x\(h.height), \(h.channels == 1 ? "gray" : "RGB"), \(h.bitDepth)-bit
            networks: ARM context \(a.contextSize) (\(a.spatialContext) neighbours, \(a.interGridFeatures) inter-grid features; hidden width \(a.contextSize)), synthesis width \(a.synthesisWidth), \
            \(a.residualLayers) residual 3x3 layers\(a.preFilter ? ", pre-concatenation filter" : "")\
            \(a.uncodedGrids > 0 ? ", the finest \(a.uncodedGrids == 1 ? "grid" : "\(a.uncodedGrids) grids") left out" : ""); \
            \(Format.fixed(a.macsPerPixel(width: h.width, height: h.height), 0)) MAC/pixel
            network parameters by unit (bytes from the code lengths):
            \(steps.joined(separator: "\n"))
            size: \(h.fileByteCount) bytes (\(Format.fixed(Double(h.fileByteCount * 8) / pixels, 4)) bpp)
            \(part("header + CRC", NCXHeader.byteCount + NCXHeader.checksumByteCount))
            \(part("network parameters", h.networkStreamByteCount))
            \(part("latents", h.latentStreamByteCount))
            """
    }
}
