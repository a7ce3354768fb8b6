import Foundation

/// The benchmark's numbers, as a printed table and as benchmarks/results/metrics.json.
struct BenchmarkReport {
    let ours: [String: Double]
    let peers: [String: Any]?
    let processes: [String: Double]
    let options: BenchmarkOptions

    /// (label, our key, peer key): comparable pairs.
    static let comparisons: [(String, String, String)] = [
        ("SSIM RGB", "ssim_rgb", "pytorch_msssim_ssim_rgb"),
        ("SSIM RGB", "ssim_rgb", "skimage_ssim_rgb"),
        ("MS-SSIM RGB", "ms_ssim_rgb", "pytorch_msssim_ms_ssim_rgb"),
        ("PSNR RGB", "psnr_rgb", "skimage_psnr_rgb"),
        ("SSIM+MS-SSIM RGB+Y (ours: all metrics)", "all_metrics", "pytorch_msssim_ssim_and_ms_ssim_rgb_y"),
    ]

    func table() -> String {
        var lines = ["", "in-process medians over \(options.runs) runs (ms):"]
        lines.append(pad("metric", 40) + pad("ours", 10) + pad("peer", 10) + pad("peer/ours", 10) + "peer")
        for (label, ourKey, peerKey) in Self.comparisons {
            let mine = (ours[ourKey] ?? .nan) * 1000
            let theirs = ((peers?[peerKey] as? Double) ?? .nan) * 1000
            lines.append(pad(label, 40) + pad(String(format: "%.2f", mine), 10) + pad(String(format: "%.2f", theirs), 10)
                + pad(String(format: "%.1fx", theirs / mine), 10) + (peerKey.hasPrefix("skimage") ? "scikit-image" : "pytorch-msssim"))
        }
        if let process = processes["ncodec_metrics_process"] {
            let peer = processes["python_peer_process"] ?? .nan
            lines.append("")
            lines.append("whole processes, medians over \(options.processRuns) interleaved runs (s):")
            lines.append(String(format: "ncodec metrics --json %.3f   python peer (torch + skimage) %.3f   ratio %.1fx", process, peer, peer / process))
        }
        return lines.joined(separator: "\n")
    }

    func json() throws -> Data {
        var ratios: [String: Double] = [:]
        for (_, ourKey, peerKey) in Self.comparisons {
            if let mine = ours[ourKey], let theirs = peers?[peerKey] as? Double { ratios["\(peerKey)/\(ourKey)"] = theirs / mine }
        }
        if let mine = processes["ncodec_metrics_process"], let theirs = processes["python_peer_process"] {
            ratios["python_peer_process/ncodec_metrics_process"] = theirs / mine
        }
        let object: [String: Any] = [
            "benchmark": "MetricsBenchmark",
            "command": "swift run -c release MetricsBenchmark",
            "date": ISO8601DateFormatter().string(from: Date()),
            "machine": ["cores": ProcessInfo.processInfo.activeProcessorCount, "os": ProcessInfo.processInfo.operatingSystemVersionString],
            "pair": ["reference": URL(fileURLWithPath: options.referencePath).lastPathComponent, "distorted": "cjpeg -quality 40, djpeg"],
            "runs": options.runs,
            "process_runs": options.processRuns,
            "ours_seconds": ours,
            "peers_seconds": peers ?? [:],
            "process_seconds": processes,
            "ratios_peer_over_ours": ratios,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0) }
}
