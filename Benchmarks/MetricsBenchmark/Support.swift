import Dispatch
import Foundation

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct BenchmarkOptions {
    var referencePath: String
    var runs = 15
    var processRuns = 5
    let packageRoot: URL

    init(arguments: [String], packageRoot: URL) {
        self.packageRoot = packageRoot
        referencePath = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data/kodak/kodim23.png").path
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--runs" where index + 1 < arguments.count:
                runs = max(1, Int(arguments[index + 1]) ?? runs)
                index += 1
            case "--process-runs" where index + 1 < arguments.count:
                processRuns = max(1, Int(arguments[index + 1]) ?? processRuns)
                index += 1
            default:
                referencePath = arguments[index]
            }
            index += 1
        }
    }
}

enum Timing {
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Median wall time of `runs` calls after one warm-up call.
    static func median(runs: Int, _ body: () -> Void) -> Double {
        body()
        return median((0..<runs).map { _ in seconds(body) })
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

enum Subprocess {
    /// Runs a program (a path, or a name looked up in /usr/bin and /usr/local/bin) and returns its stdout.
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> Data {
        let path = program.contains("/") ? program
            : ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + program }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { throw BenchmarkFailure("\(program) not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchmarkFailure("\(program) exited with \(process.terminationStatus)") }
        return data
    }
}

/// The Python peer script and an interpreter that has pytorch-msssim and scikit-image.
struct PythonPeer {
    let executable: String
    let script: String

    init?(packageRoot: URL) {
        script = packageRoot.appendingPathComponent("benchmarks/peers/metrics_peers.py").path
        let candidates = [ProcessInfo.processInfo.environment["PYTHON"], "/usr/bin/python3"].compactMap { $0 }
        guard let found = candidates.first(where: { candidate in
            FileManager.default.isExecutableFile(atPath: candidate)
                && (try? Subprocess.run(candidate, ["-c", "import pytorch_msssim, skimage"])) != nil
        }) else {
            print("note: no Python with pytorch-msssim and scikit-image: peer timings skipped")
            return nil
        }
        executable = found
    }

    /// The peer's in-process medians (seconds) and versions.
    func timeInProcess(reference: String, distorted: String, runs: Int) -> [String: Any]? {
        guard let data = try? Subprocess.run(executable, [script, "time", reference, distorted, "\(runs)"]) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
