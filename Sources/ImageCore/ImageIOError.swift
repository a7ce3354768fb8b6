/// Why an image could not be read or written. Each case prints as one clear sentence.
public enum ImageIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No file at the path.
    case fileNotFound(path: String)
    /// The file exists but could not be read.
    case cannotRead(path: String, reason: String)
    /// The file could not be created or written.
    case cannotWrite(path: String, reason: String)
    /// The content is neither PNG, JPEG nor binary PPM/PGM.
    case unrecognizedFormat
    /// The PNG data is truncated or corrupt (libpng's message).
    case corruptPNG(String)
    /// The JPEG data is truncated, corrupt or of an unsupported kind (libjpeg's message).
    case corruptJPEG(String)
    /// The PPM/PGM data is truncated or malformed.
    case corruptPNM(String)
    /// The image has an alpha channel and the caller asked to reject it.
    case alphaChannelPresent
    /// The image cannot be stored in the requested format (e.g. YCbCr planes, or a bad size).
    case unsupportedImage(String)
    /// The output path's extension names no format we write.
    case unsupportedExtension(String)
    /// Width x height exceeds the accepted maximum.
    case imageTooLarge(width: Int, height: Int)

    public var description: String {
        switch self {
        case .fileNotFound(let path): "no such file: \(path)"
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .unrecognizedFormat: "not an image: expected PNG, JPEG, PPM (P6) or PGM (P5) content"
        case .corruptPNG(let reason): "corrupt PNG: \(reason)"
        case .corruptJPEG(let reason): "corrupt JPEG: \(reason)"
        case .corruptPNM(let reason): "corrupt PPM/PGM: \(reason)"
        case .alphaChannelPresent:
            "the image has an alpha channel (gray+alpha or RGBA); only gray and RGB are supported"
        case .unsupportedImage(let reason): "cannot store image: \(reason)"
        case .unsupportedExtension(let ext):
            "unsupported output extension '\(ext)': use .png, .ppm, .pgm or .pnm"
        case .imageTooLarge(let width, let height): "image of \(width)x\(height) is too large"
        }
    }
}
