// EntropyBenchmark: codes the same Laplace-distributed symbols (per-symbol mean and log-scale in Q8)
// with our range coder and, side by side in the same run, with constriction and CompressAI (through
// benchmarks/peers/entropy_peers.py and $PYTHON or /usr/bin/python3, when available).
// Usage: swift run -c release EntropyBenchmark [symbolCount=10000000] [runs=5]
// Times are thread CPU seconds (medians), on both sides, so concurrent load on the machine
// disturbs the comparison less. Writes benchmarks/results/entropy.json.
import EntropyCoding
import Foundation

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let symbolCount = arguments.first ?? 10_000_000
let runs = arguments.count > 1 ? arguments[1] : 5

/// SplitMix64: the benchmark's data is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Means uniform in [-16, 16], ln(scale) uniform in [-2, 2.5] (scale 0.14 ... 12), both rounded to Q8;
/// values are Laplace samples rounded to integers and clamped to [-64, 63] (the latent range of Cool-chic).
func makeSymbols(count: Int) -> (values: [Int32], means: [Int32], logScales: [Int32]) {
    var random = SplitMix64(state: 2026)
    var values = [Int32](repeating: 0, count: count)
    var means = [Int32](repeating: 0, count: count)
    var logScales = [Int32](repeating: 0, count: count)
    for index in 0..<count {
        let mean = Int32.random(in: -16 * 256...16 * 256, using: &random)
        let logScale = Int32.random(in: -512...640, using: &random)
        let u = Double.random(in: -0.5..<0.5, using: &random)
        let scale = exp(Double(logScale) / 256)
        let sample = Double(mean) / 256 - scale * (u < 0 ? -1 : 1) * log1p(-2 * abs(u))
        means[index] = mean
        logScales[index] = logScale
        values[index] = Int32(min(63, max(-64, sample.rounded())))
    }
    return (values, means, logScales)
}

/// -log2 of the exact (float64) quantized-Laplace probability of each value: the ideal code length.
func idealBits(values: [Int32], means: [Int32], logScales: [Int32]) -> Double {
    func cdf(_ x: Double) -> Double { x < 0 ? 0.5 * exp(x) : 1 - 0.5 * exp(-x) }
    var total = 0.0
    for index in values.indices {
        let mean = Double(means[index]) / 256
        let scale = exp(Double(logScales[index]) / 256)
        let y = Double(values[index])
        let upper = y == 63 ? 1 : cdf((y + 0.5 - mean) / scale)
        let lower = y == -64 ? 0 : cdf((y - 0.5 - mean) / scale)
        total -= log2(max(upper - lower, 1e-300))
    }
    return total
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// CPU time of this thread, so that other processes competing for the cores do not count.
func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = threadCPUSeconds()
    try body()
    return threadCPUSeconds() - start
}

print("Generating \(symbolCount) symbols...")
let (values, means, logScales) = makeSymbols(count: symbolCount)
let family = QuantizedFamily.laplace16
let ideal = idealBits(values: values, means: means, logScales: logScales)
let modelBits = values.indices.reduce(0.0) { $0 + family.codeLength(of: values[$1], mean: means[$1], logScale: logScales[$1]) }

var encoded: [UInt8] = []
var encodeTimes: [Double] = []
var decodeTimes: [Double] = []
for _ in 0..<runs {
    encodeTimes.append(seconds {
        var encoder = RangeEncoder(capacity: symbolCount)
        values.withUnsafeBufferPointer { values in
            means.withUnsafeBufferPointer { means in
                logScales.withUnsafeBufferPointer { logScales in
                    for index in 0..<values.count {
                        encoder.encode(values[index], mean: means[index], logScale: logScales[index], using: family)
                    }
                }
            }
        }
        encoded = encoder.finish()
    })
}
var decoded = [Int32](repeating: 0, count: symbolCount)
for _ in 0..<runs {
    decodeTimes.append(try seconds {
        var decoder = RangeDecoder(bytes: encoded)
        try decoded.withUnsafeMutableBufferPointer { decoded in
            try means.withUnsafeBufferPointer { means in
                try logScales.withUnsafeBufferPointer { logScales in
                    for index in 0..<decoded.count {
                        decoded[index] = try decoder.decode(mean: means[index], logScale: logScales[index], using: family)
                    }
                }
            }
        }
    })
}
guard decoded == values else {
    print("error: our decoder did not reproduce the symbols")
    exit(1)
}

// Peers, in the same run.
struct PeerResult: Decodable {
    var encode_s: Double?
    var decode_s: Double?
    var bytes: Int?
    var error: String?
}

func runPeers() -> [String: PeerResult] {
    let python = ProcessInfo.processInfo.environment["PYTHON"] ?? "/usr/bin/python3"
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../benchmarks/peers/entropy_peers.py").standardized.path
    guard FileManager.default.isExecutableFile(atPath: python), FileManager.default.fileExists(atPath: script) else {
        print("Peers skipped: no Python at \(python) (set PYTHON) or no \(script)")
        return [:]
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entropy-benchmark-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, array) in [("values.i32", values), ("means_q8.i32", means), ("logscales_q8.i32", logScales)] {
        let data = array.withUnsafeBytes { Data($0) }  // little-endian hosts only (x86-64, arm64)
        try? data.write(to: directory.appendingPathComponent(name))
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, directory.path, "--runs", String(max(1, min(runs, 3)))]
    let pipe = Pipe()
    process.standardOutput = pipe
    print("Running peers (constriction, CompressAI)...")
    do {
        try process.run()
    } catch {
        print("Peers skipped: \(error)")
        return [:]
    }
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (try? JSONDecoder().decode([String: PeerResult].self, from: output)) ?? [:]
}

let peers = runPeers()

func msym(_ seconds: Double?) -> Double? { seconds.map { Double(symbolCount) / $0 / 1e6 } }
func overheadPercent(bytes: Int?) -> Double? { bytes.map { (Double($0 * 8) - ideal) / ideal * 100 } }

struct Row {
    var name: String
    var encode: Double?
    var decode: Double?
    var bytes: Int?
}
var rows = [Row(name: "ours (range coder, 16-bit tables)", encode: msym(median(encodeTimes)), decode: msym(median(decodeTimes)), bytes: encoded.count)]
for (key, label) in [("constriction", "constriction QuantizedLaplace + RangeCoder"), ("compressai", "CompressAI rANS, 64 Laplace scale tables")] {
    if let peer = peers[key] {
        if let error = peer.error { print("\(key): \(error)") }
        rows.append(Row(name: label, encode: msym(peer.encode_s), decode: msym(peer.decode_s), bytes: peer.bytes))
    }
}

func format(_ value: Double?, _ digits: Int = 2) -> String { value.map { String(format: "%.\(digits)f", $0) } ?? "n/a" }
let idealPerSymbol = ideal / Double(symbolCount)
print("")
print("\(symbolCount) symbols, ideal (exact quantized Laplace) \(format(idealPerSymbol, 4)) bits/symbol; median of \(runs) runs (peers: \(max(1, min(runs, 3))))")
print("coder".padding(toLength: 44, withPad: " ", startingAt: 0) + "  encode Msym/s  decode Msym/s  bits/symbol  overhead vs ideal")
for row in rows {
    let bitsPerSymbol = row.bytes.map { Double($0 * 8) / Double(symbolCount) }
    print(row.name.padding(toLength: 44, withPad: " ", startingAt: 0)
        + format(row.encode).leftPadded(15) + format(row.decode).leftPadded(15)
        + format(bitsPerSymbol, 4).leftPadded(13) + (format(overheadPercent(bytes: row.bytes), 3) + " %").leftPadded(19))
}
let coderOverhead = (Double(encoded.count * 8) - modelBits) / modelBits * 100
print("ours vs its own table probabilities: \(format(coderOverhead, 4)) % (coder only); tables: \(family.tableByteCount / 1024) KiB")

var json: [String: Double] = [
    "symbol_count": Double(symbolCount),
    "ideal_bits_per_symbol": idealPerSymbol,
    "ours_encode_msym_s": rows[0].encode ?? 0,
    "ours_decode_msym_s": rows[0].decode ?? 0,
    "ours_overhead_pct": overheadPercent(bytes: encoded.count) ?? 0,
    "ours_coder_overhead_vs_table_pct": coderOverhead,
]
for (key, peer) in peers where peer.error == nil {
    json["\(key)_encode_msym_s"] = msym(peer.encode_s)
    json["\(key)_decode_msym_s"] = msym(peer.decode_s)
    json["\(key)_overhead_pct"] = overheadPercent(bytes: peer.bytes)
}
if let ours = json["ours_decode_msym_s"] {
    for key in ["constriction", "compressai"] {
        if let peer = json["\(key)_decode_msym_s"] { json["ours_vs_\(key)_decode_ratio"] = ours / peer }
    }
}
let resultsURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../benchmarks/results/entropy.json").standardized
try FileManager.default.createDirectory(at: resultsURL.deletingLastPathComponent(), withIntermediateDirectories: true)
let encoder = JSONEncoder()
encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
try encoder.encode(json).write(to: resultsURL)
print("Wrote \(resultsURL.path)")

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
