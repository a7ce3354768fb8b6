// MetricsBenchmark: times our quality metrics on a 768x512 Kodak pair against pytorch-msssim and
// scikit-image in the same run (benchmarks/peers/metrics_peers.py), in-process and as whole processes
// (`ncodec metrics` vs a Python script computing the same metrics). Writes benchmarks/results/metrics.json.
//
// Run: swift build -c release && swift run -c release MetricsBenchmark [REF.png] [--runs N] [--process-runs N]
// Python peers: $PYTHON, else /usr/bin/python3 (skipped when pytorch-msssim is missing).
import Dispatch
import Foundation
import ImageCore
import QualityMetrics

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let options = BenchmarkOptions(arguments: Array(CommandLine.arguments.dropFirst()), packageRoot: packageRoot)

do {
    try runBenchmark(options)
} catch {
    FileHandle.standardError.write(Data("MetricsBenchmark: \(error)\n".utf8))
    exit(1)
}

func runBenchmark(_ options: BenchmarkOptions) throws {
    let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-benchmark-\(getpid())")
    try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: workspace) }
    let reference = try ImageFile.read(path: options.referencePath)
    let distortedPath = try makeDistorted(reference, in: workspace)
    let distorted = try ImageFile.read(path: distortedPath)
    print("pair: \(options.referencePath) (\(reference.width)x\(reference.height)) vs JPEG q40 (cjpeg/djpeg)")

    var ours: [String: Double] = [:]
    ours["all_metrics"] = Timing.median(runs: options.runs) { _ = try? QualityMeasure.measure(reference: reference, distorted: distorted) }
    ours["ssim_rgb"] = Timing.median(runs: options.runs) {
        for (a, b) in zip(reference.planes, distorted.planes) { _ = StructuralSimilarity.ssim(a, b) }
    }
    ours["ms_ssim_rgb"] = Timing.median(runs: options.runs) {
        for (a, b) in zip(reference.planes, distorted.planes) { _ = try? StructuralSimilarity.msSSIM(a, b) }
    }
    ours["psnr_rgb"] = Timing.median(runs: options.runs) { _ = PeakSignalToNoise.psnr(reference.planes, distorted.planes) }

    let python = PythonPeer(packageRoot: options.packageRoot)
    let peers = python.flatMap { $0.timeInProcess(reference: options.referencePath, distorted: distortedPath, runs: options.runs) }
    let processes = wholeProcessTimings(python: python, reference: options.referencePath, distorted: distortedPath, runs: options.processRuns)

    let report = BenchmarkReport(ours: ours, peers: peers, processes: processes, options: options)
    print(report.table())
    let output = options.packageRoot.appendingPathComponent("benchmarks/results/metrics.json")
    try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
    try report.json().write(to: output)
    print("wrote \(output.path)")
}

/// Encodes the reference with cjpeg at quality 40 and decodes it with djpeg; falls back to added noise.
func makeDistorted(_ reference: Image, in workspace: URL) throws -> String {
    let source = workspace.appendingPathComponent("ref.ppm").path
    let compressed = workspace.appendingPathComponent("dist.jpg").path
    let decoded = workspace.appendingPathComponent("dist.ppm").path
    try ImageFile.write(reference, path: source)
    if (try? Subprocess.run("cjpeg", ["-quality", "40", "-outfile", compressed, source])) != nil,
       (try? Subprocess.run("djpeg", ["-pnm", "-outfile", decoded, compressed])) != nil {
        return decoded
    }
    throw BenchmarkFailure("cjpeg/djpeg are needed to make the distorted image (apt-get install libjpeg-turbo-progs)")
}

/// Interleaved runs of `ncodec metrics --json` and the Python peer's `once` mode, timed as processes.
func wholeProcessTimings(python: PythonPeer?, reference: String, distorted: String, runs: Int) -> [String: Double] {
    let ncodec = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ncodec").path
    guard FileManager.default.isExecutableFile(atPath: ncodec) else {
        print("note: \(ncodec) not built (run `swift build -c release` first): whole-process timings skipped")
        return [:]
    }
    var ourTimes: [Double] = [], peerTimes: [Double] = []
    for _ in 0..<runs {
        ourTimes.append(Timing.seconds { _ = try? Subprocess.run(ncodec, ["metrics", reference, distorted, "--json"]) })
        if let python {
            peerTimes.append(Timing.seconds { _ = try? Subprocess.run(python.executable, [python.script, "once", reference, distorted]) })
        }
    }
    var result = ["ncodec_metrics_process": Timing.median(ourTimes)]
    if !peerTimes.isEmpty { result["python_peer_process"] = Timing.median(peerTimes) }
    return result
}
