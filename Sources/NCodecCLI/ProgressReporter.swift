import Foundation
import OverfittedCodec

/// Prints encoder progress: one line rewritten in place on a terminal, otherwise a plain line
/// every tenth of the schedule.
final class ProgressReporter: @unchecked Sendable {
    private let interactive = isatty(STDOUT_FILENO) == 1
    private var lastPrinted = 0

    func report(_ progress: EncodeProgress) {
        let line = "\(progress.phase.rawValue) \(progress.iteration)/\(progress.totalIterations)  loss \(Format.fixed(progress.loss * 1000, 4))e-3  bpp \(Format.fixed(progress.bitsPerPixel, 4))  PSNR \(Format.fixed(progress.psnr, 2)) dB"
        if interactive {
            FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
        } else {
            let step = max(1, progress.totalIterations / 10)
            if progress.iteration - lastPrinted >= step || progress.iteration == progress.totalIterations {
                lastPrinted = progress.iteration
                print(line)
            }
        }
    }

    func finish() {
        if interactive { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }
}

/// Number formatting for the commands' output.
enum Format {
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}
