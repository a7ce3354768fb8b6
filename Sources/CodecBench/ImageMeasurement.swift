import Foundation

/// One image coded by one codec at one setting, as measured.
public struct ImageMeasurement: Codable, Sendable, Equatable {
    /// Codec identifier (e.g. "jpeg-420").
    public var codec: String
    /// The rate point: the codec's setting (e.g. "q=75") or a bpp target ("bpp=0.25").
    public var setting: String
    /// The codec level used for this image (see ``QualityKnob``).
    public var level: Int
    /// Image name (file name without extension).
    public var image: String
    /// Size of the compressed file.
    public var bytes: Int
    /// `bytes * 8 / (width * height)`.
    public var bitsPerPixel: Double
    public var psnrRGB: Double
    /// PSNR of BT.709 luma.
    public var psnrY: Double
    public var msSSIMRGB: Double
    /// Wall-clock seconds of the encoder (for tools: the whole process, start-up included).
    public var encodeSeconds: Double
    /// Wall-clock seconds of the decoder.
    public var decodeSeconds: Double

    public init(codec: String, setting: String, level: Int, image: String, bytes: Int, bitsPerPixel: Double,
                psnrRGB: Double, psnrY: Double, msSSIMRGB: Double, encodeSeconds: Double, decodeSeconds: Double) {
        self.codec = codec
        self.setting = setting
        self.level = level
        self.image = image
        self.bytes = bytes
        self.bitsPerPixel = bitsPerPixel
        self.psnrRGB = psnrRGB
        self.psnrY = psnrY
        self.msSSIMRGB = msSSIMRGB
        self.encodeSeconds = encodeSeconds
        self.decodeSeconds = decodeSeconds
    }

    /// MS-SSIM on a decibel scale, `-10 log10(1 - MS-SSIM)`, as learned-codec papers plot it.
    public static func decibels(msSSIM: Double) -> Double {
        -10 * log10(max(1 - msSSIM, 1e-10))
    }
}

/// A codec run that failed for one image and setting; the benchmark goes on without it.
public struct BenchFailure: Codable, Sendable, Equatable {
    public var codec: String
    public var image: String
    public var setting: String
    public var message: String

    public init(codec: String, image: String, setting: String, message: String) {
        self.codec = codec
        self.image = image
        self.setting = setting
        self.message = message
    }
}
