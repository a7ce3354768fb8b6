import Foundation
import ImageCore

/// One image of the benchmark: the reference pixels and the files prepared for the codecs.
public struct SourceImage: Sendable {
    /// File name without its extension, as used in tables (e.g. "kodim05").
    public let name: String
    /// The file the user named.
    public let path: URL
    /// The reference every decoded image is measured against.
    public let image: Image
    /// Prepared codec inputs by format.
    private(set) var files: [SourceFormat: URL] = [:]

    /// Reads an image; the benchmark needs 8-bit RGB (what the classical codecs take as input).
    public init(path: URL) throws(BenchError) {
        let image: Image
        do {
            image = try ImageFile.read(path: path.path, alpha: .reject)
        } catch {
            throw .unsupportedSource(path: path.path, reason: String(describing: error))
        }
        guard image.colorModel == .rgb, image.bitDepth == 8 else {
            throw .unsupportedSource(path: path.path, reason: "the benchmark needs 8-bit RGB images")
        }
        self.name = path.deletingPathExtension().lastPathComponent
        self.path = path
        self.image = image
    }

    /// Width times height.
    public var pixelCount: Int { image.width * image.height }

    /// The prepared input file of `format`; throws when ``prepare(_:in:)`` did not make it.
    public func file(_ format: SourceFormat) throws(BenchError) -> URL {
        guard let url = files[format] else {
            throw .fileAccess(path: path.path, reason: "no \(format.rawValue) input was prepared")
        }
        return url
    }

    /// Writes the codec inputs of the given formats into `directory` (a PNG source is used as is).
    public mutating func prepare(_ formats: Set<SourceFormat>, in directory: URL) throws(BenchError) {
        for format in SourceFormat.allCases where formats.contains(format) {
            if format == .png, path.pathExtension.lowercased() == "png" {
                files[.png] = path
                continue
            }
            let target = directory.appendingPathComponent("\(name).\(format.fileExtension)")
            try write(format, to: target)
            files[format] = target
        }
    }

    private func write(_ format: SourceFormat, to target: URL) throws(BenchError) {
        switch format {
        case .png, .ppm:
            do {
                try ImageFile.write(image, path: target.path)
            } catch {
                throw .fileAccess(path: target.path, reason: String(describing: error))
            }
        case .y4m420, .y4m444:
            let frame = try Y4MFrame(rgb: image, sampling: format == .y4m420 ? .yuv420 : .yuv444)
            do {
                try frame.y4mData.write(to: target)
            } catch {
                throw .fileAccess(path: target.path, reason: error.localizedDescription)
            }
        }
    }

    /// The image files named by `inputs`: files as given, directories scanned (not recursively)
    /// for `.png`, `.ppm` and `.pgm`, sorted by name.
    public static func discover(_ inputs: [String]) throws(BenchError) -> [URL] {
        let extensions: Set<String> = ["png", "ppm", "pgm"]
        var found: [URL] = []
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw .fileAccess(path: input, reason: "no such file or directory")
            }
            guard isDirectory.boolValue else {
                found.append(URL(fileURLWithPath: input))
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: input)
            } catch {
                throw .fileAccess(path: input, reason: error.localizedDescription)
            }
            found += names.sorted()
                .filter { extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased()) }
                .map { URL(fileURLWithPath: input).appendingPathComponent($0) }
        }
        guard !found.isEmpty else { throw .noImages(inputs.joined(separator: ", ")) }
        return found
    }
}
