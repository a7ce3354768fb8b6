/// Everything that can go wrong while benchmarking, each with one clear message.
public enum BenchError: Error, CustomStringConvertible, Equatable {
    /// A command-line tool could not be found on `PATH`.
    case toolNotFound(String)
    /// A tool could not be started at all.
    case launchFailed(tool: String, reason: String)
    /// A tool exited with a non-zero status; `standardError` is the end of what it printed.
    case toolFailed(tool: String, status: Int32, standardError: String)
    /// A tool ran longer than the time limit and was stopped.
    case toolTimedOut(tool: String, seconds: Double)
    /// A file could not be read or written.
    case fileAccess(path: String, reason: String)
    /// A codec produced output we cannot interpret.
    case malformedOutput(path: String, reason: String)
    /// The benchmark needs 8-bit RGB sources.
    case unsupportedSource(path: String, reason: String)
    /// No images were found in what the user named.
    case noImages(String)
    /// A codec name on the command line is unknown.
    case unknownCodec(String, known: [String])
    /// A published curve file could not be parsed.
    case publishedCurve(path: String, reason: String)
    /// A results file is not one `ncodec bench` wrote.
    case invalidResults(path: String, reason: String)
    /// An option value is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case .toolNotFound(let tool):
            return "'\(tool)' was not found on PATH"
        case .launchFailed(let tool, let reason):
            return "could not start '\(tool)': \(reason)"
        case .toolFailed(let tool, let status, let standardError):
            let detail = standardError.isEmpty ? "" : ": \(standardError)"
            return "'\(tool)' failed with exit status \(status)\(detail)"
        case .toolTimedOut(let tool, let seconds):
            return "'\(tool)' was stopped after \(Int(seconds)) s (time limit)"
        case .fileAccess(let path, let reason):
            return "\(path): \(reason)"
        case .malformedOutput(let path, let reason):
            return "\(path): unexpected codec output: \(reason)"
        case .unsupportedSource(let path, let reason):
            return "\(path): \(reason)"
        case .noImages(let what):
            return "no PNG, PPM or PGM images found in \(what)"
        case .unknownCodec(let name, let known):
            return "unknown codec '\(name)'; known: \(known.joined(separator: ", "))"
        case .publishedCurve(let path, let reason):
            return "\(path): not a published curve: \(reason)"
        case .invalidResults(let path, let reason):
            return "\(path): not an 'ncodec bench' results file: \(reason)"
        case .invalidOption(let message):
            return message
        }
    }
}
