import Testing
@testable import OverfittedCodec

/// The up-sampler's row pass is linear in its source and in its kernel, so its backward must be the
/// exact adjoint: `dS[j] = <filterRows(e_j), g>` and `dK[c] = <filterRows(s) with kernel e_c, g>`.
/// Widths cover the edge-only rows, the vector loops and their tails.
@Suite struct UpsamplerTests {
    @Test(arguments: [1, 2, 3, 5, 8, 13, 17, 24, 33, 40, 101])
    func rowBackwardIsTheAdjointOfTheRowPass(width: Int) {
        var generator = SeededGenerator(seed: UInt64(width))
        let height = 3
        for targetWidth in Set([2 * width - 1, 2 * width]) where targetWidth >= 1 {
            let source = (0..<(width * height)).map { _ in generator.uniform(1) }
            let grad = (0..<(targetWidth * height)).map { _ in generator.uniform(1) }
            let kernel = (0..<4).map { _ in generator.uniform(1) }
            var gradKernel: [Float] = [0, 0, 0, 0]
            let gradSource = Upsampler.filterRowsBackward(grad, source: source, width: width, height: height,
                                                          targetWidth: targetWidth, kernel: kernel, gradKernel: &gradKernel)
            func inner(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
            let tolerance = 1e-4 * Double(targetWidth * height)
            for j in source.indices {
                let unit = source.indices.map { $0 == j ? Float(1) : 0 }
                let expected = inner(Upsampler.filterRows(unit, width: width, height: height, targetWidth: targetWidth,
                                                          kernel: kernel, level: .portable), grad)
                #expect(abs(Double(gradSource[j]) - expected) <= tolerance, "width \(width), target \(targetWidth), source \(j)")
            }
            for c in 0..<4 {
                let unit = (0..<4).map { $0 == c ? Float(1) : 0 }
                let expected = inner(Upsampler.filterRows(source, width: width, height: height, targetWidth: targetWidth,
                                                          kernel: unit, level: .portable), grad)
                #expect(abs(Double(gradKernel[c]) - expected) <= tolerance, "width \(width), coefficient \(c)")
            }
        }
    }
}
