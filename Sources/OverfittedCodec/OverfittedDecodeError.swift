/// Why a `.ncx` file could not be decoded. Every malformed input maps to one of these; the decoder
/// never traps.
public enum OverfittedDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data ends before the structure it announces (`needed` bytes, `available` present).
    case truncated(needed: Int, available: Int)
    /// The first bytes are not the `.ncx` magic: not one of our files.
    case notNCX
    /// A format version this decoder does not know.
    case unsupportedVersion(Int)
    /// A codec id this decoder does not know.
    case unknownCodec(Int)
    /// A header field is outside its allowed range.
    case invalidHeader(String)
    /// The CRC-32 at the end does not match: the file was damaged, cut short or extended.
    case checksumMismatch
    /// The network or latent stream does not decode (message from the entropy layer).
    case corruptStream(String)

    public var description: String {
        switch self {
        case .truncated(let needed, let available):
            "truncated .ncx file: needs at least \(needed) bytes, has \(available)"
        case .notNCX: "not an .ncx file (bad magic number)"
        case .unsupportedVersion(let version): "unsupported .ncx version \(version) (this decoder reads version \(NCXHeader.currentVersion))"
        case .unknownCodec(let id): "unknown codec id \(id) in .ncx header"
        case .invalidHeader(let message): "invalid .ncx header: \(message)"
        case .checksumMismatch: "corrupted .ncx file: CRC-32 mismatch"
        case .corruptStream(let message): "corrupted .ncx stream: \(message)"
        }
    }
}

/// Why an image could not be encoded.
public enum OverfittedEncodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Width or height outside 1...``NCXHeader/maximumDimension``, or more than
    /// ``NCXHeader/maximumPixelCount`` pixels.
    case unsupportedSize(width: Int, height: Int)
    /// A bit depth other than 8 or 16.
    case unsupportedBitDepth(Int)
    /// Lambda must be finite and positive.
    case invalidLambda(Double)
    /// A bug: the encoder's own output failed to decode.
    case internalInconsistency(String)

    public var description: String {
        switch self {
        case .unsupportedSize(let width, let height):
            "cannot encode a \(width)x\(height) image: sides must be 1...\(NCXHeader.maximumDimension) and at most \(NCXHeader.maximumPixelCount) pixels"
        case .unsupportedBitDepth(let depth): "cannot encode \(depth)-bit images (8 or 16 only)"
        case .invalidLambda(let lambda): "lambda must be finite and positive (got \(lambda))"
        case .internalInconsistency(let message): "internal error (please report): \(message)"
        }
    }
}
