// ComputeBenchmark: NeuralKernels against PyTorch (CPU, same thread count), side by side in one run.
//
//   swift run -c release ComputeBenchmark [--rounds N] [--python PATH] [--no-torch] [--threads N]
//
// Rounds alternate ours and PyTorch's measurements so both see the same machine load; each round
// takes medians over several runs, and the reported figure is the median over rounds.
// Writes benchmarks/results/compute.json.
import Dispatch
import Foundation
import NeuralKernels

func medianMilliseconds(runs: Int, _ body: () -> Void) -> Double {
    body()
    var times = [Double]()
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func loadAverage() -> Double {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).flatMap { Double($0.split(separator: " ")[0]) } ?? -1
}

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
}
let rounds = Int(option("--rounds") ?? "") ?? 3
let threads = Int(option("--threads") ?? "") ?? 2
let python = option("--python") ?? ProcessInfo.processInfo.environment["PYTHON"] ?? "/usr/bin/python3"
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let script = packageRoot.appendingPathComponent("benchmarks/peers/compute_torch.py").path
let useTorch = !arguments.contains("--no-torch") && FileManager.default.isExecutableFile(atPath: python)
Parallel.setMaxThreads(threads)
let loadBefore = loadAverage()

print("NeuralKernels ComputeBenchmark: \(threads) threads, kernel level \(Acceleration.level), torch: \(useTorch ? python : "not run")")

// 3x3 convolution 128 -> 128 on 128 x 192.
let conv = try Conv2D(inChannels: 128, outChannels: 128, kernel: 3, padding: 1)
let convInput = Buffer(random: 128 * 128 * 192, scale: 1, seed: 51)
let convWeight = Buffer(random: conv.weightCount, scale: 0.03, seed: 52), convBias = Buffer(random: 128, scale: 0.1, seed: 53)
let convOutput = Buffer(128 * 128 * 192), convGradInput = Buffer(128 * 128 * 192)
let convGradWeight = Buffer(conv.weightCount), convGradBias = Buffer(128)

// `--cpu-profile conv-fwd|conv-bwd|conv-bwd-weight|step [--runs N]`: run one measurement repeatedly
// (5 runs unless told) and print the process CPU time per run (user + system), a load-independent
// view of the work while tuning on a busy machine, and the median wall-clock time per run.
if let what = option("--cpu-profile") {
    var usage = rusage()
    func cpuSeconds() -> Double {
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
    let profiled = what == "step" ? try CodecStepModel() : nil
    let body: () -> Void = {
        switch what {
        case "conv-fwd":
            conv.forward(input: convInput.c, height: 128, width: 192, weight: convWeight.c, bias: convBias.c, output: convOutput.p)
        case "conv-bwd-weight":
            conv.backward(input: convInput.c, height: 128, width: 192, weight: convWeight.c, gradOutput: convOutput.c,
                          gradInput: nil, gradWeight: convGradWeight.p, gradBias: convGradBias.p)
        case "conv-bwd":
            conv.backward(input: convInput.c, height: 128, width: 192, weight: convWeight.c, gradOutput: convOutput.c,
                          gradInput: convGradInput.p, gradWeight: convGradWeight.p, gradBias: convGradBias.p)
        default:
            profiled?.trainingStep()
        }
    }
    let runs = max(1, Int(option("--runs") ?? "") ?? 5)
    body()
    let start = cpuSeconds()
    var wall = [Double]()
    for _ in 0..<runs {
        let started = DispatchTime.now().uptimeNanoseconds
        body()
        wall.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
    }
    let cpu = (cpuSeconds() - start) / Double(runs) * 1000
    print("\(what): \(String(format: "%.1f", cpu)) ms CPU per run, wall median "
          + "\(String(format: "%.1f", median(wall) ?? 0)) ms over \(runs) runs")
    exit(0)
}

print("FMA study (1 thread, 20 -> 20 linear layer on 65,536 positions):")
let fma = FMAStudy.run(runs: 7)
for row in fma { print("  " + row.name.padding(toLength: 44, withPad: " ", startingAt: 0) + String(format: "%7.1f GFLOP/s", row.gflops)) }

let model = try CodecStepModel()

var measured: [String: [Double]] = [:]
@MainActor func record(_ key: String, _ value: Double?) { if let value { measured[key, default: []].append(value) } }
for round in 1...rounds {
    record("conv_fwd_ms_ours", medianMilliseconds(runs: 5) {
        conv.forward(input: convInput.c, height: 128, width: 192, weight: convWeight.c, bias: convBias.c, output: convOutput.p)
    })
    record("conv_bwd_ms_ours", medianMilliseconds(runs: 3) {
        conv.backward(input: convInput.c, height: 128, width: 192, weight: convWeight.c, gradOutput: convOutput.c,
                      gradInput: convGradInput.p, gradWeight: convGradWeight.p, gradBias: convGradBias.p)
    })
    record("step_ms_ours_composed", medianMilliseconds(runs: 3) { model.trainingStep() })
    record("step_ms_ours", CodecStep.milliseconds(steps: 8, threads: threads))
    if useTorch, let torch = TorchPeer.run(python: python, script: script, what: "conv,step", runs: 3, threads: threads) {
        record("conv_fwd_ms_torch", torch["conv_fwd_ms"])
        record("conv_bwd_ms_torch", torch["conv_bwd_ms"])
        record("step_ms_torch", torch["step_ms"])
    }
    let line = measured.keys.sorted().map { "\($0)=\(String(format: "%.1f", measured[$0]?.last ?? 0))" }
    print("round \(round): " + line.joined(separator: " "))
}

var results: [String: Any] = [
    "threads": threads, "rounds": rounds, "kernel_level": Acceleration.level.description,
    "load_average_before": loadBefore, "load_average_after": loadAverage(),
    "fma_study_gflops_1_thread": Dictionary(uniqueKeysWithValues: fma.map { ($0.name, ($0.gflops * 10).rounded() / 10) }),
    "notes": "step_ms_ours: OverfittedCodec's own training step (complexity high, 768x512); step_ms_ours_composed: "
        + "the peer's exact model composed from NeuralKernels (Benchmarks/ComputeBenchmark/CodecStepModel.swift); "
        + "step_ms_torch: the same model in PyTorch (benchmarks/peers/compute_torch.py). Medians over rounds; ratios are torch / ours.",
]
for (key, values) in measured { results[key] = median(values).map { ($0 * 10).rounded() / 10 } }
@MainActor func ratio(_ torchKey: String, _ oursKey: String) -> Double? {
    guard let t = median(measured[torchKey] ?? []), let o = median(measured[oursKey] ?? []), o > 0 else { return nil }
    return (t / o * 100).rounded() / 100
}
results["step_speedup_vs_torch"] = ratio("step_ms_torch", "step_ms_ours")
results["step_composed_speedup_vs_torch"] = ratio("step_ms_torch", "step_ms_ours_composed")
results["conv_fwd_speedup_vs_torch"] = ratio("conv_fwd_ms_torch", "conv_fwd_ms_ours")
results["conv_bwd_speedup_vs_torch"] = ratio("conv_bwd_ms_torch", "conv_bwd_ms_ours")

print("\n| measurement | ours (ms) | PyTorch (ms) | PyTorch / ours |")
print("| --- | ---: | ---: | ---: |")
for (label, ours, torch) in [("training step, OverfittedCodec (high)", "step_ms_ours", "step_ms_torch"),
                             ("training step, composed peer model", "step_ms_ours_composed", "step_ms_torch"),
                             ("3x3 conv 128->128 on 128x192, forward", "conv_fwd_ms_ours", "conv_fwd_ms_torch"),
                             ("same conv, backward (input + weights)", "conv_bwd_ms_ours", "conv_bwd_ms_torch")] {
    let o = median(measured[ours] ?? []), t = median(measured[torch] ?? [])
    let r = (o != nil && t != nil) ? String(format: "%.2f", t! / o!) : "-"
    print("| \(label) | \(o.map { String(format: "%.1f", $0) } ?? "-") | \(t.map { String(format: "%.1f", $0) } ?? "-") | \(r) |")
}

let resultsDirectory = packageRoot.appendingPathComponent("benchmarks/results")
try FileManager.default.createDirectory(at: resultsDirectory, withIntermediateDirectories: true)
let json = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
try json.write(to: resultsDirectory.appendingPathComponent("compute.json"))
print("wrote \(resultsDirectory.appendingPathComponent("compute.json").path)")
