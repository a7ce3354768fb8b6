import Testing
import NeuralKernels
@testable import OverfittedCodec

/// The up-sampler's row pass is linear in its source and in its kernel, so its backward must be the
/// exact adjoint: `dS[j] = <filterRows(e_j), g>` and `dK[c] = <filterRows(s) with kernel e_c, g>`.
/// Widths cover the edge-only rows, the vector loops and their tails. Both backward passes' AVX-512
/// and AVX2 kernels must also give the Swift loops' results bit for bit.
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

    /// The vector levels this CPU runs (each test checks each of them against the Swift loops).
    static let vectorLevels = [Acceleration.Level.avx2, .avx512].filter { $0 <= Acceleration.level }

    /// Sizes with no interior samples, single and partial vectors, 32-value blocks and their tails.
    static let sizes = [1, 2, 3, 4, 5, 7, 9, 12, 13, 17, 20, 21, 28, 33, 40, 45, 64, 100, 131]

    /// Values of both signs over about eight binades, so that any change in the order of a sum shows.
    static func values(_ count: Int, _ generator: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in generator.uniform(1) * Float(1 << Int.random(in: 0...8, using: &generator)) }
    }

    /// The row pass's backward, vector kernels against the Swift loops, bit for bit: source gradient
    /// and kernel gradient (added to a nonzero one), for odd and even targets and several heights.
    @Test(arguments: sizes)
    func rowBackwardKernelsMatchTheSwiftLoops(width: Int) {
        var generator = SeededGenerator(seed: 1000 + UInt64(width))
        for height in [1, 3, 5] {
            for targetWidth in Set([max(1, 2 * width - 1), 2 * width]) {
                let source = Self.values(width * height, &generator), grad = Self.values(targetWidth * height, &generator)
                let kernel = Self.values(4, &generator), start = Self.values(4, &generator)
                var loopKernel = start
                let loops = Upsampler.filterRowsBackward(grad, source: source, width: width, height: height,
                                                         targetWidth: targetWidth, kernel: kernel,
                                                         gradKernel: &loopKernel, level: .portable)
                for level in Self.vectorLevels {
                    var wideKernel = start
                    let wide = Upsampler.filterRowsBackward(grad, source: source, width: width, height: height,
                                                            targetWidth: targetWidth, kernel: kernel,
                                                            gradKernel: &wideKernel, level: level)
                    let shape = "\(level): \(width) x \(height) to \(targetWidth)"
                    #expect(wide.map(\.bitPattern) == loops.map(\.bitPattern), "\(shape), source gradient")
                    #expect(wideKernel.map(\.bitPattern) == loopKernel.map(\.bitPattern), "\(shape), kernel gradient")
                }
            }
        }
    }

    /// The column pass's backward, vector kernels against the Swift loops, bit for bit: each size
    /// as the row length (the dot products' blocks and tails) and as the height (the clamped taps).
    @Test(arguments: sizes)
    func columnBackwardKernelsMatchTheSwiftLoops(size: Int) {
        var generator = SeededGenerator(seed: 2000 + UInt64(size))
        for (width, height) in [(size, 1), (size, 3), (3, size), (33, size)] {
            for targetHeight in Set([max(1, 2 * height - 1), 2 * height]) {
                let rows = Self.values(width * height, &generator), grad = Self.values(width * targetHeight, &generator)
                let kernel = Self.values(4, &generator), start = Self.values(4, &generator)
                var loopKernel = start
                let loops = Upsampler.filterColumnsBackward(grad[...], rows: rows, width: width, height: height,
                                                            targetHeight: targetHeight, kernel: kernel,
                                                            gradKernel: &loopKernel, level: .portable)
                for level in Self.vectorLevels {
                    var wideKernel = start
                    let wide = Upsampler.filterColumnsBackward(grad[...], rows: rows, width: width, height: height,
                                                               targetHeight: targetHeight, kernel: kernel,
                                                               gradKernel: &wideKernel, level: level)
                    let shape = "\(level): \(width) x \(height) to \(targetHeight)"
                    #expect(wide.map(\.bitPattern) == loops.map(\.bitPattern), "\(shape), row gradient")
                    #expect(wideKernel.map(\.bitPattern) == loopKernel.map(\.bitPattern), "\(shape), kernel gradient")
                }
            }
        }
    }
}
