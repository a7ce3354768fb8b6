import Foundation
import ImageCore

/// SSIM (Wang et al. 2004) and MS-SSIM (Wang, Simoncelli, Bovik 2003, "Multiscale structural
/// similarity for image quality assessment") on normalised planes, matching pytorch-msssim 1.0.
public enum StructuralSimilarity {
    /// MS-SSIM scale weights (Wang et al. 2003), finest scale first.
    public static let scaleWeights: [Double] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    /// Smallest accepted side for MS-SSIM: pytorch-msssim requires side > (11 - 1) * 2^4 = 160.
    public static let minimumMultiScaleSide = (GaussianWindow.size - 1) * 16 + 1

    /// Single-scale SSIM of two planes of equal size (data range 1, i.e. the bit depth's maximum).
    public static func ssim(_ reference: Plane, _ distorted: Plane) -> Double {
        SSIMKernel.statistics(reference, distorted).ssim
    }

    /// MS-SSIM of two planes of equal size: the product over five scales of the mean contrast-structure
    /// term (negative means clamped to 0, as pytorch-msssim's `relu`) raised to the scale weight, with the
    /// full SSIM at the coarsest scale.
    public static func msSSIM(_ reference: Plane, _ distorted: Plane) throws(MetricsError) -> Double {
        try multiScale(reference, distorted).msSSIM
    }

    /// SSIM (the finest scale's mean SSIM) and MS-SSIM from one pass over the scales.
    static func multiScale(
        _ reference: Plane, _ distorted: Plane, parallel: Bool = true
    ) throws(MetricsError) -> (ssim: Double, msSSIM: Double) {
        guard min(reference.width, reference.height) >= minimumMultiScaleSide else {
            throw .tooSmallForMSSSIM(width: reference.width, height: reference.height, minimumSide: minimumMultiScaleSide)
        }
        var x = reference, y = distorted
        var product = 1.0
        var finestSSIM = 0.0
        for (level, weight) in scaleWeights.enumerated() {
            let statistics = SSIMKernel.statistics(x, y, parallel: parallel)
            if level == 0 { finestSSIM = statistics.ssim }
            if level == scaleWeights.count - 1 {
                product *= pow(max(statistics.ssim, 0), weight)
            } else {
                product *= pow(max(statistics.contrastStructure, 0), weight)
                x = x.averagePooled2x()
                y = y.averagePooled2x()
            }
        }
        return (finestSSIM, product)
    }
}
