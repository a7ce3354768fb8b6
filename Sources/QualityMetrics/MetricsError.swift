/// Why two images cannot be compared.
public enum MetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The images differ in width or height.
    case sizeMismatch(referenceWidth: Int, referenceHeight: Int, distortedWidth: Int, distortedHeight: Int)
    /// One image is gray and the other RGB.
    case colorModelMismatch
    /// Metrics are defined on gray or RGB images, not on YCbCr planes.
    case unsupportedColorModel
    /// An image has no samples.
    case emptyImage
    /// MS-SSIM needs the smaller side above `minimumSide - 1` (4 halvings of an 11-tap window).
    case tooSmallForMSSSIM(width: Int, height: Int, minimumSide: Int)

    public var description: String {
        switch self {
        case .sizeMismatch(let rw, let rh, let dw, let dh):
            "images differ in size: reference is \(rw)x\(rh), distorted is \(dw)x\(dh)"
        case .colorModelMismatch: "images differ in color model: one is gray, the other RGB"
        case .unsupportedColorModel: "metrics need gray or RGB images; convert YCbCr to RGB first"
        case .emptyImage: "the images have no pixels"
        case .tooSmallForMSSSIM(let width, let height, let minimumSide):
            "image of \(width)x\(height) is too small for MS-SSIM: both sides must be at least \(minimumSide)"
        }
    }
}
