import Foundation
import ImageCore

/// Shared plumbing of the codecs driven through command-line tools.
enum CommandLineCodec {
    /// Probes tools by name: `.missing` naming every absent tool (and its Debian package), or
    /// `.available` with the version text `versionOf` extracts from the first tool's output.
    static func probe(tools: [(name: String, url: URL?)], package: String, runner: ToolRunner,
                      versionArguments: [String], versionLine: (String) -> String? = { $0 }) -> CodecProbe {
        let absent = tools.filter { $0.url == nil }.map(\.name)
        guard absent.isEmpty, let first = tools.first?.url else {
            return .missing(reason: "\(absent.joined(separator: ", ")) not found on PATH (Debian package \(package))")
        }
        guard let run = try? runner.run(first, versionArguments) else {
            return .available(version: "unknown version")
        }
        let text = String(decoding: run.standardOutput, as: UTF8.self) + "\n" + run.standardError
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let version = lines.lazy.compactMap(versionLine).first ?? "unknown version"
        return .available(version: version)
    }

    /// The tool's URL, or the error that names it.
    static func require(_ url: URL?, _ name: String) throws(BenchError) -> URL {
        guard let url else { throw .toolNotFound(name) }
        return url
    }

    /// Reads a decoder's PNG or PPM output.
    static func readImage(at url: URL) throws(BenchError) -> Image {
        do {
            return try ImageFile.read(path: url.path)
        } catch {
            throw .malformedOutput(path: url.path, reason: String(describing: error))
        }
    }
}
