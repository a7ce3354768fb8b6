/// Why an entropy-coded stream could not be decoded.
///
/// Decoders never trap on malformed input: every inconsistency they can detect is reported
/// with one of these cases, and anything they cannot detect decodes to in-range garbage.
public enum EntropyDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The arithmetic-coder state left the interval a valid stream keeps it in.
    case corruptStream
    /// An Exp-Golomb prefix was longer than any value the decoder accepts could produce.
    case expGolombPrefixTooLong(zeroCount: Int)
    /// A decoded value does not fit the integer type it is returned in.
    case valueOutOfRange
    /// A caller-supplied argument is invalid (for example a bit count outside 0...32).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .corruptStream:
            "entropy-coded stream is corrupt (coder state out of its valid interval)"
        case .expGolombPrefixTooLong(let zeroCount):
            "Exp-Golomb prefix of \(zeroCount) zero bits is longer than any valid code"
        case .valueOutOfRange:
            "decoded value does not fit in its integer type"
        case .invalidArgument(let reason):
            "invalid argument: \(reason)"
        }
    }
}

/// Why a cumulative-frequency table could not be built.
public enum CDFTableError: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedPrecision(Int)
    case emptyAlphabet
    case tooManySymbols(count: Int, precision: Int)
    case zeroFrequency(symbol: Int)
    case frequenciesDoNotSumToTotal(sum: UInt64, total: UInt64)

    public var description: String {
        switch self {
        case .unsupportedPrecision(let bits):
            "probability precision of \(bits) bits is outside the supported 1...16"
        case .emptyAlphabet:
            "a table needs at least one symbol"
        case .tooManySymbols(let count, let precision):
            "\(count) symbols cannot each get a frequency of at least 1 out of 2^\(precision)"
        case .zeroFrequency(let symbol):
            "symbol \(symbol) has frequency 0; every symbol needs at least 1"
        case .frequenciesDoNotSumToTotal(let sum, let total):
            "frequencies sum to \(sum), not to the table total \(total)"
        }
    }
}
