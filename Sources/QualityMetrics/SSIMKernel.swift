import Dispatch
import Foundation
import ImageCore

/// Mean SSIM and mean contrast-structure term of one pair of planes at one scale.
struct SSIMStatistics: Sendable, Equatable {
    /// Mean of the SSIM map (luminance x contrast-structure).
    var ssim: Double
    /// Mean of the contrast-structure map (the `cs` of MS-SSIM).
    var contrastStructure: Double
}

/// Single-scale SSIM maps, computed the way pytorch-msssim does: a separable 11-tap Gaussian applied
/// with no padding ("valid"), skipped along a dimension shorter than the window; statistics
/// E[x], E[y], E[x^2], E[y^2], E[xy]; K1 = 0.01, K2 = 0.03, data range 1 (normalised samples).
///
/// Work is split into bands of output rows run on all cores; each row is filtered vertically into
/// five scratch rows, then horizontally while the map values are accumulated, in SIMD8 lanes.
enum SSIMKernel {
    static let c1: Float = 0.01 * 0.01
    static let c2: Float = 0.03 * 0.03

    /// Means over the valid SSIM map; `parallel` spreads bands of rows over all cores.
    static func statistics(_ reference: Plane, _ distorted: Plane, parallel: Bool = true) -> SSIMStatistics {
        let geometry = Geometry(width: reference.width, height: reference.height)
        let cores = parallel ? ProcessInfo.processInfo.activeProcessorCount : 1
        let bandCount = min(geometry.outputHeight, max(1, cores * 3))
        var partials = [SIMD2<Double>](repeating: .zero, count: bandCount)
        reference.samples.withUnsafeBufferPointer { x in
            distorted.samples.withUnsafeBufferPointer { y in
                partials.withUnsafeMutableBufferPointer { out in
                    guard let xBase = x.baseAddress, let yBase = y.baseAddress, let outBase = out.baseAddress else { return }
                    let job = BandJob(
                        geometry: geometry, x: xBase, y: yBase, sums: outBase, bandCount: bandCount,
                        offset: centringOffset(x))
                    if cores > 1 {
                        DispatchQueue.concurrentPerform(iterations: bandCount) { band in job.run(band: band) }
                    } else {
                        for band in 0..<bandCount { job.run(band: band) }
                    }
                }
            }
        }
        let total = partials.reduce(SIMD2<Double>.zero, +)
        let count = Double(geometry.outputWidth * geometry.outputHeight)
        return SSIMStatistics(ssim: total[0] / count, contrastStructure: total[1] / count)
    }

    /// Plane size, taps along each axis and the size of the valid output.
    struct Geometry: Sendable {
        let width: Int
        let height: Int
        let horizontalTaps: [Float]
        let verticalTaps: [Float]
        var outputWidth: Int { width - horizontalTaps.count + 1 }
        var outputHeight: Int { height - verticalTaps.count + 1 }

        init(width: Int, height: Int) {
            self.width = width
            self.height = height
            horizontalTaps = width >= GaussianWindow.size ? GaussianWindow.taps : [1]
            verticalTaps = height >= GaussianWindow.size ? GaussianWindow.taps : [1]
        }
    }

    /// One call's shared, read-only inputs; each band writes only its own slot of `sums`.
    struct BandJob: @unchecked Sendable {
        let geometry: Geometry
        let x: UnsafePointer<Float>
        let y: UnsafePointer<Float>
        let sums: UnsafeMutablePointer<SIMD2<Double>>
        let bandCount: Int
        /// Subtracted from every sample before the moments are summed (see ``centringOffset(_:)``).
        let offset: Float

        func run(band: Int) {
            let rows = geometry.outputHeight
            let start = rows * band / bandCount, end = rows * (band + 1) / bandCount
            let width = geometry.width
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 5 * width)
            defer { scratch.deallocate() }
            var total = SIMD2<Double>.zero
            for row in start..<end {
                filterVertically(row: row, into: scratch)
                total += accumulateRow(scratch)
            }
            sums[band] = total
        }

        /// Writes the vertically filtered x, y, x^2, y^2 and xy of output row `row` into five scratch rows.
        private func filterVertically(row: Int, into scratch: UnsafeMutablePointer<Float>) {
            let width = geometry.width
            let taps = geometry.verticalTaps
            let (mx, my, mxx, myy, mxy) = (scratch, scratch + width, scratch + 2 * width, scratch + 3 * width, scratch + 4 * width)
            var column = 0
            while column + 8 <= width {
                var sx = SIMD8<Float>(), sy = SIMD8<Float>(), sxx = SIMD8<Float>(), syy = SIMD8<Float>(), sxy = SIMD8<Float>()
                for (k, tap) in taps.enumerated() {
                    let index = (row + k) * width + column
                    let a = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self) - self.offset
                    let b = UnsafeRawPointer(y + index).loadUnaligned(as: SIMD8<Float>.self) - self.offset
                    let ga = a * tap, gb = b * tap
                    sx += ga
                    sy += gb
                    sxx += ga * a
                    syy += gb * b
                    sxy += ga * b
                }
                store(sx, mx + column); store(sy, my + column)
                store(sxx, mxx + column); store(syy, myy + column); store(sxy, mxy + column)
                column += 8
            }
            while column < width {
                var sx: Float = 0, sy: Float = 0, sxx: Float = 0, syy: Float = 0, sxy: Float = 0
                for (k, tap) in taps.enumerated() {
                    let index = (row + k) * width + column
                    let a = x[index] - self.offset, b = y[index] - self.offset
                    let ga = a * tap, gb = b * tap
                    sx += ga; sy += gb; sxx += ga * a; syy += gb * b; sxy += ga * b
                }
                mx[column] = sx; my[column] = sy; mxx[column] = sxx; myy[column] = syy; mxy[column] = sxy
                column += 1
            }
        }

        /// Filters the scratch rows horizontally and returns the row's sums of SSIM and cs.
        private func accumulateRow(_ scratch: UnsafeMutablePointer<Float>) -> SIMD2<Double> {
            let width = geometry.width, outputWidth = geometry.outputWidth
            let taps = geometry.horizontalTaps
            let (rx, ry, rxx, ryy, rxy) = (
                UnsafePointer(scratch), UnsafePointer(scratch + width), UnsafePointer(scratch + 2 * width),
                UnsafePointer(scratch + 3 * width), UnsafePointer(scratch + 4 * width))
            var ssimLanes = SIMD8<Float>(), csLanes = SIMD8<Float>()
            var column = 0
            while column + 8 <= outputWidth {
                var mu1 = SIMD8<Float>(), mu2 = SIMD8<Float>(), exx = SIMD8<Float>(), eyy = SIMD8<Float>(), exy = SIMD8<Float>()
                for (k, tap) in taps.enumerated() {
                    mu1 += load(rx + column + k) * tap
                    mu2 += load(ry + column + k) * tap
                    exx += load(rxx + column + k) * tap
                    eyy += load(ryy + column + k) * tap
                    exy += load(rxy + column + k) * tap
                }
                let (ssim, cs) = ssimTerms(mu1: mu1, mu2: mu2, exx: exx, eyy: eyy, exy: exy, offset: offset)
                ssimLanes += ssim
                csLanes += cs
                column += 8
            }
            var ssimTotal = Double(ssimLanes.sum()), csTotal = Double(csLanes.sum())
            while column < outputWidth {
                var mu1: Float = 0, mu2: Float = 0, exx: Float = 0, eyy: Float = 0, exy: Float = 0
                for (k, tap) in taps.enumerated() {
                    mu1 += rx[column + k] * tap
                    mu2 += ry[column + k] * tap
                    exx += rxx[column + k] * tap
                    eyy += ryy[column + k] * tap
                    exy += rxy[column + k] * tap
                }
                let (ssim, cs) = ssimTerms(
                    mu1: SIMD8(repeating: mu1), mu2: SIMD8(repeating: mu2), exx: SIMD8(repeating: exx),
                    eyy: SIMD8(repeating: eyy), exy: SIMD8(repeating: exy), offset: offset)
                ssimTotal += Double(ssim[0])
                csTotal += Double(cs[0])
                column += 1
            }
            return SIMD2(ssimTotal, csTotal)
        }
    }

    /// SSIM = l * cs with l = (2 mu1 mu2 + C1) / (mu1^2 + mu2^2 + C1), cs = (2 s12 + C2) / (s1 + s2 + C2),
    /// from moments of samples shifted by `-offset` (variances and covariance do not change with the shift;
    /// the means get it back).
    @inline(__always)
    static func ssimTerms(
        mu1: SIMD8<Float>, mu2: SIMD8<Float>, exx: SIMD8<Float>, eyy: SIMD8<Float>, exy: SIMD8<Float>, offset: Float
    ) -> (SIMD8<Float>, SIMD8<Float>) {
        let sigma1 = exx - mu1 * mu1, sigma2 = eyy - mu2 * mu2, sigma12 = exy - mu1 * mu2
        let cs = (2 * sigma12 + c2) / (sigma1 + sigma2 + c2)
        let mean1 = mu1 + offset, mean2 = mu2 + offset
        let mean12 = mean1 * mean2
        let luminance = (2 * mean12 + c1) / (mean1 * mean1 + mean2 * mean2 + c1)
        return (luminance * cs, cs)
    }

    /// The reference plane's mean: centring the samples keeps E[x^2] - E[x]^2 from cancelling
    /// catastrophically in Float32 (Chan, Golub and LeVeque 1983, shifted data).
    static func centringOffset(_ samples: UnsafeBufferPointer<Float>) -> Float {
        var total = 0.0
        for value in samples { total += Double(value) }
        return samples.isEmpty ? 0 : Float(total / Double(samples.count))
    }
}

@inline(__always)
private func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
private func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
