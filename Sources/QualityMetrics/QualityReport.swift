/// Every full-reference metric of one distorted image against its reference.
///
/// PSNR in dB (peak = the largest sample value, i.e. 255 for 8-bit; +infinity for identical planes).
/// A value is NaN when not available (MS-SSIM of images smaller than 161 pixels on a side, when
/// measured with `requireMultiScale: false`).
/// SSIM and MS-SSIM unitless. RGB values pool the three channels (PSNR: MSE over all samples; SSIM and
/// MS-SSIM: mean of the per-channel values, as pytorch-msssim does). Y is luma of full-range YCbCr.
/// JSON keys are snake_case (`psnr_rgb`, `ms_ssim_y`, ...).
public struct QualityReport: Sendable, Codable, Equatable {
    /// PSNR over all RGB samples (one MSE over the three channels).
    public var psnrRGB: Double
    public var psnrR: Double
    public var psnrG: Double
    public var psnrB: Double
    /// PSNR of BT.709 luma.
    public var psnrY: Double
    /// PSNR of BT.601 luma.
    public var psnrYBT601: Double
    /// (6 PSNR(Y) + PSNR(Cb) + PSNR(Cr)) / 8 over BT.709 full-range YCbCr.
    public var psnrYUV: Double
    /// Mean over R, G, B of single-scale SSIM.
    public var ssimRGB: Double
    /// SSIM of BT.709 luma.
    public var ssimY: Double
    /// Mean over R, G, B of MS-SSIM.
    public var msSSIMRGB: Double
    /// MS-SSIM of BT.709 luma.
    public var msSSIMY: Double

    public init(
        psnrRGB: Double, psnrR: Double, psnrG: Double, psnrB: Double, psnrY: Double, psnrYBT601: Double,
        psnrYUV: Double, ssimRGB: Double, ssimY: Double, msSSIMRGB: Double, msSSIMY: Double
    ) {
        self.psnrRGB = psnrRGB
        self.psnrR = psnrR
        self.psnrG = psnrG
        self.psnrB = psnrB
        self.psnrY = psnrY
        self.psnrYBT601 = psnrYBT601
        self.psnrYUV = psnrYUV
        self.ssimRGB = ssimRGB
        self.ssimY = ssimY
        self.msSSIMRGB = msSSIMRGB
        self.msSSIMY = msSSIMY
    }

    /// Equal when every value is equal, NaN (not available) matching NaN.
    public static func == (lhs: QualityReport, rhs: QualityReport) -> Bool {
        zip(lhs.keyedValues, rhs.keyedValues).allSatisfy { $0.1 == $1.1 || ($0.1.isNaN && $1.1.isNaN) }
    }

    enum CodingKeys: String, CodingKey {
        case psnrRGB = "psnr_rgb", psnrR = "psnr_r", psnrG = "psnr_g", psnrB = "psnr_b"
        case psnrY = "psnr_y", psnrYBT601 = "psnr_y_bt601", psnrYUV = "psnr_yuv"
        case ssimRGB = "ssim_rgb", ssimY = "ssim_y", msSSIMRGB = "ms_ssim_rgb", msSSIMY = "ms_ssim_y"
    }
}
