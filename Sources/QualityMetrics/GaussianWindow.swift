import Foundation

/// The SSIM window: 11 taps of a Gaussian with sigma 1.5, normalised to sum 1 (Wang et al. 2004,
/// "Image quality assessment: from error visibility to structural similarity").
enum GaussianWindow {
    static let size = 11
    static let sigma = 1.5

    static let taps: [Float] = {
        let half = size / 2
        let raw = (0..<size).map { index -> Double in
            let offset = Double(index - half)
            return exp(-(offset * offset) / (2 * sigma * sigma))
        }
        let total = raw.reduce(0, +)
        return raw.map { Float($0 / total) }
    }()
}
