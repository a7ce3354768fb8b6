import CodecBench
import Foundation

/// Shows benchmark progress on standard error: rewritten in place on a terminal, one line per
/// finished image otherwise.
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastImagesDone = -1
    private var statusShown = false

    func update(_ progress: BenchProgress) {
        lock.lock()
        defer { lock.unlock() }
        let text = "\(progress.imagesDone)/\(progress.imageCount) images, \(progress.runsDone)/\(progress.runsTotal) codec runs, "
            + "\(Self.clock(progress.elapsedSeconds)) elapsed, ~\(Self.clock(progress.remainingSeconds ?? 0)) left (\(progress.lastRun))"
        if isTerminal {
            write("\r\u{1B}[K" + text)
            statusShown = true
        } else if progress.imagesDone != lastImagesDone || progress.runsDone == progress.runsTotal {
            lastImagesDone = progress.imagesDone
            write(text + "\n")
        }
    }

    func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        write((statusShown ? "\r\u{1B}[K" : "") + text + "\n")
        statusShown = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// "1h02m", "4m05s" or "17s".
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, total % 3600 / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }
}
