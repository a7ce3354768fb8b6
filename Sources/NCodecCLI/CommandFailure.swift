/// A command's failure, printed by `ncodec` as one line on stderr (`Error: <message>`) with exit code 1.
///
/// Commands wrap library errors in it with the context the user needs (which file, which curve).
struct CommandFailure: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
