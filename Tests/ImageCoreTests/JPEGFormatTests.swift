import Foundation
import Testing
@testable import ImageCore

/// JPEG decoding must give exactly the samples of Debian's djpeg (and so of Pillow, which uses the same
/// libjpeg-turbo defaults). The files are made at test time with cjpeg; skipped when it is absent.
@Suite struct JPEGFormatTests {
    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ path: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// A smooth test image with some texture (JPEG of pure noise says little about the decoder).
    static func photoLike(width: Int, height: Int) -> Image {
        let planes = (0..<3).map { c in
            var plane = Plane(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    let wave = sin(Double(x) * 0.21 + Double(c)) * cos(Double(y) * 0.13) * 90
                    plane[x, y] = Float(Int(128 + wave + Double((x * 7 + y * 3 + c) % 11))) / 255
                }
            }
            return plane
        }
        return Image(colorModel: .rgb, bitDepth: 8, planes: planes)!
    }

    @Test(arguments: [["-quality", "75"], ["-quality", "30", "-sample", "1x1"], ["-quality", "90", "-progressive"], ["-grayscale"]])
    func matchesDjpeg(options: [String]) throws {
        guard let cjpeg = Self.tool("cjpeg"), let djpeg = Self.tool("djpeg") else {
            print("skipped: cjpeg/djpeg not installed")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jpeg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("a.ppm").path
        let compressed = directory.appendingPathComponent("a.jpg").path
        let decoded = directory.appendingPathComponent("b.pnm").path
        try ImageFile.write(Self.photoLike(width: 37, height: 21), path: source)
        try Self.run(cjpeg, options + ["-outfile", compressed, source])
        try Self.run(djpeg, ["-pnm", "-outfile", decoded, compressed])
        let ours = try ImageFile.read(path: compressed)
        let reference = try ImageFile.read(path: decoded)
        #expect(ours.colorModel == (options.contains("-grayscale") ? .gray : .rgb))
        let same = ours == reference
        #expect(same)

        let data = try Data(contentsOf: URL(fileURLWithPath: compressed))
        #expect(throws: ImageIOError.self) { try JPEGFormat.decode(data.prefix(data.count / 2)) }
        #expect(throws: ImageIOError.self) { try JPEGFormat.decode(data.prefix(40)) }
    }

    @Test func garbageAfterTheMarkerThrows() {
        let garbage = Data([0xFF, 0xD8, 0xFF]) + Data((0..<300).map { UInt8(truncatingIfNeeded: $0 &* 91 &+ 7) })
        #expect(throws: ImageIOError.self) { try ImageFile.decode(garbage) }
        #expect(throws: ImageIOError.self) { try ImageFile.decode(Data([0xFF, 0xD8, 0xFF])) }
    }
}
