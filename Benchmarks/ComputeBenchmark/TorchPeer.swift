import Foundation

/// Runs benchmarks/peers/compute_torch.py and parses its JSON line.
enum TorchPeer {
    static func run(python: String, script: String, what: String, runs: Int, threads: Int) -> [String: Double]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--what", what, "--runs", String(runs), "--threads", String(threads)]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
        return object.compactMapValues { $0 as? Double }
    }
}
