import Dispatch
import ImageCore

/// All full-reference metrics of a distorted image against its reference.
///
/// Samples are compared as stored (normalised so that 1 is the bit depth's maximum): the data range is
/// 255 for 8-bit images and 65535 for 16-bit ones. Images of different bit depths are compared on the
/// normalised scale. Gray images use their plane for the RGB and the Y metrics.
public enum QualityMeasure {
    /// Every metric of ``QualityReport``. Throws when the images differ in size or color model, or,
    /// with `requireMultiScale` (the default), when they are too small for MS-SSIM; without it the
    /// MS-SSIM values of such images are NaN ("not available").
    public static func measure(
        reference: Image, distorted: Image, requireMultiScale: Bool = true
    ) throws(MetricsError) -> QualityReport {
        try validate(reference, distorted)
        let multiScale = min(reference.width, reference.height) >= StructuralSimilarity.minimumMultiScaleSide
        if !multiScale && requireMultiScale {
            throw .tooSmallForMSSSIM(
                width: reference.width, height: reference.height, minimumSide: StructuralSimilarity.minimumMultiScaleSide)
        }
        let psnr = psnrReport(reference, distorted)
        var pairs = zip(reference.planes, distorted.planes).map { ($0, $1) }
        if reference.colorModel == .rgb { pairs.append((reference.luma(matrix: .bt709), distorted.luma(matrix: .bt709))) }
        let values = structuralValues(pairs, multiScale: multiScale)
        let channels = values.prefix(reference.planes.count)
        let luma = values[values.count - 1]  // gray: the plane itself
        return QualityReport(
            psnrRGB: psnr.rgb, psnrR: psnr.r, psnrG: psnr.g, psnrB: psnr.b, psnrY: psnr.y,
            psnrYBT601: psnr.yBT601, psnrYUV: psnr.yuv,
            ssimRGB: channels.map(\.ssim).reduce(0, +) / Double(channels.count), ssimY: luma.ssim,
            msSSIMRGB: channels.map(\.msSSIM).reduce(0, +) / Double(channels.count), msSSIMY: luma.msSSIM)
    }

    /// SSIM and MS-SSIM (NaN without `multiScale`) of each plane pair, the pairs spread over the cores.
    private static func structuralValues(_ pairs: [(Plane, Plane)], multiScale: Bool) -> [(ssim: Double, msSSIM: Double)] {
        var results = [(ssim: Double, msSSIM: Double)](repeating: (.nan, .nan), count: pairs.count)
        results.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let slots = ResultSlots(base: base)
            let splitPlanes = pairs.count == 1  // a single pair spreads its rows over the cores instead
            DispatchQueue.concurrentPerform(iterations: pairs.count) { index in
                let (a, b) = pairs[index]
                slots.base[index] = multiScale
                    ? ((try? StructuralSimilarity.multiScale(a, b, parallel: splitPlanes)) ?? (.nan, .nan))
                    : (SSIMKernel.statistics(a, b, parallel: splitPlanes).ssim, .nan)
            }
        }
        return results
    }

    /// Per-index result slots written by concurrent iterations (each index by exactly one).
    private struct ResultSlots: @unchecked Sendable {
        let base: UnsafeMutablePointer<(ssim: Double, msSSIM: Double)>
    }

    /// PSNR over all RGB (or gray) samples, for images of any size.
    public static func psnrOnly(reference: Image, distorted: Image) throws(MetricsError) -> Double {
        try validate(reference, distorted)
        return PeakSignalToNoise.psnr(reference.planes, distorted.planes)
    }

    /// The PSNR family of ``QualityReport``.
    struct PSNRValues {
        var rgb, r, g, b, y, yBT601, yuv: Double
    }

    static func psnrReport(_ reference: Image, _ distorted: Image) -> PSNRValues {
        let planes = zip(reference.planes, distorted.planes).map { PeakSignalToNoise.psnr([$0], [$1]) }
        let perChannel = planes.count == 3 ? planes : [planes[0], planes[0], planes[0]]
        let yBT601 = PeakSignalToNoise.psnr([reference.luma(matrix: .bt601)], [distorted.luma(matrix: .bt601)])
        let yuv: Double, y: Double
        if reference.colorModel == .rgb {
            let a = reference.converted(to: .yCbCr, matrix: .bt709), b = distorted.converted(to: .yCbCr, matrix: .bt709)
            let components = zip(a.planes, b.planes).map { PeakSignalToNoise.psnr([$0], [$1]) }
            (y, yuv) = (components[0], (6 * components[0] + components[1] + components[2]) / 8)
        } else {
            (y, yuv) = (planes[0], planes[0])  // gray: no chroma, so Y and YUV PSNR are the plane's PSNR
        }
        return PSNRValues(
            rgb: PeakSignalToNoise.psnr(reference.planes, distorted.planes), r: perChannel[0], g: perChannel[1],
            b: perChannel[2], y: y, yBT601: yBT601, yuv: yuv)
    }

    static func validate(_ reference: Image, _ distorted: Image) throws(MetricsError) {
        guard reference.colorModel != .yCbCr, distorted.colorModel != .yCbCr else { throw .unsupportedColorModel }
        guard reference.colorModel == distorted.colorModel else { throw .colorModelMismatch }
        guard reference.width == distorted.width, reference.height == distorted.height else {
            throw .sizeMismatch(
                referenceWidth: reference.width, referenceHeight: reference.height,
                distortedWidth: distorted.width, distortedHeight: distorted.height)
        }
        guard reference.width > 0, reference.height > 0 else { throw .emptyImage }
    }
}
