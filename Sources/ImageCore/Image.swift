/// A still image: one plane (gray) or three planes (RGB, or YCbCr after conversion) of equal size,
/// with the bit depth of the file it came from (8 or 16).
public struct Image: Sendable, Equatable {
    /// What the planes hold.
    public enum ColorModel: Sendable, Equatable {
        case gray
        case rgb
        case yCbCr
    }

    public let width: Int
    public let height: Int
    public var colorModel: ColorModel
    /// Bits per sample of the source (8 or 16); writers quantise to this depth.
    public var bitDepth: Int
    /// One plane per channel, all `width x height`.
    public var planes: [Plane]

    /// An image over planes; returns nil when the planes' count or sizes do not fit the color model.
    public init?(colorModel: ColorModel, bitDepth: Int, planes: [Plane]) {
        guard let first = planes.first else { return nil }
        let expected = colorModel == .gray ? 1 : 3
        guard planes.count == expected,
              planes.allSatisfy({ $0.width == first.width && $0.height == first.height }),
              bitDepth == 8 || bitDepth == 16
        else { return nil }
        self.width = first.width
        self.height = first.height
        self.colorModel = colorModel
        self.bitDepth = bitDepth
        self.planes = planes
    }

    /// Largest integer sample value of the bit depth (255 for 8-bit).
    public var maxValue: Int { (1 << bitDepth) - 1 }
}
