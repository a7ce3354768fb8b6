import Foundation

/// What a finished tool run produced.
public struct ToolRun: Sendable {
    public var standardOutput: Data
    public var standardError: String
    /// Wall-clock time from launch to exit, in seconds.
    public var seconds: Double
}

/// Runs command-line tools as child processes: no shell (arguments reach the tool unchanged),
/// standard input closed, standard output and error captured, a time limit.
public struct ToolRunner: Sendable {
    /// Seconds after which a run is stopped (SIGTERM, then SIGKILL) and reported as timed out.
    public var timeout: Double

    public init(timeout: Double = 600) {
        self.timeout = timeout
    }

    /// The first executable called `name` in the directories of `searchPath` (default: `$PATH`).
    public static func locate(_ name: String, searchPath: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        let directories = (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for directory in directories where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs `executable` with `arguments` and waits for it; throws when it cannot start, exits
    /// with a non-zero status or exceeds the time limit.
    public func run(_ executable: URL, _ arguments: [String]) throws(BenchError) -> ToolRun {
        let tool = executable.lastPathComponent
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let readers = DispatchGroup()
        let output = PipeDrain(outputPipe, group: readers)
        let errors = PipeDrain(errorPipe, group: readers)

        let start = DispatchTime.now()
        do {
            try process.run()
        } catch {
            outputPipe.fileHandleForWriting.closeFile()
            errorPipe.fileHandleForWriting.closeFile()
            readers.wait()
            throw .launchFailed(tool: tool, reason: error.localizedDescription)
        }
        let timedOut = exited.wait(timeout: start + timeout) == .timedOut
        if timedOut { stop(process, exited: exited) }
        readers.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9

        if timedOut { throw .toolTimedOut(tool: tool, seconds: timeout) }
        let errorText = String(decoding: errors.data, as: UTF8.self)
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .toolFailed(tool: tool, status: process.terminationStatus, standardError: Self.tail(of: errorText))
        }
        return ToolRun(standardOutput: output.data, standardError: errorText, seconds: seconds)
    }

    /// Terminates, then kills if the process ignores SIGTERM for two seconds; waits for the exit.
    private func stop(_ process: Process, exited: DispatchSemaphore) {
        process.terminate()
        if exited.wait(timeout: .now() + 2) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
    }

    /// The last few lines of a tool's error output, for messages.
    static func tail(of text: String, lines: Int = 4) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: " | ")
    }
}

/// Reads a pipe to its end on a background queue (so a chatty child never blocks on a full pipe).
private final class PipeDrain: @unchecked Sendable {
    private let lock = NSLock()
    private var collected = Data()

    init(_ pipe: Pipe, group: DispatchGroup) {
        let handle = pipe.fileHandleForReading
        group.enter()
        DispatchQueue.global().async {
            let data = handle.readDataToEndOfFile()
            self.lock.lock()
            self.collected = data
            self.lock.unlock()
            group.leave()
        }
    }

    var data: Data {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }
}
