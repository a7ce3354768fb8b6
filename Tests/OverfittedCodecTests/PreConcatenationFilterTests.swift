import NeuralKernels
import Testing
@testable import OverfittedCodec

@Suite struct PreConcatenationFilterTests {
    /// Every grid but the coarsest against a direct 7x7 convolution with the outer-product kernel
    /// (zero padding) plus the grid itself, in Double; the coarsest grid and the values after the
    /// grids pass unchanged. Widths from 1 to 61 take the edge code and the vector loops.
    @Test(arguments: [(61, 37), (29, 21), (5, 3), (1, 1), (1, 9)])
    func filterIsTheResidualSeparableConvolution(size: (Int, Int)) {
        let geometry = LatentGeometry(width: size.0, height: size.1)
        let filter = PreConcatenationFilter(geometry: geometry)
        var generator = SeededGenerator(seed: 5)
        let extra = 11  // stands for the hyper grids that follow the synthesis grids
        let latents = (0..<(geometry.totalLatents + extra)).map { _ in generator.uniform(20) }
        let values = (0..<(4 * filter.filteredLevels)).map { _ in generator.uniform(1) }
        var noTrace: PreConcatenationFilter.Trace? = nil
        let output = filter.forward(latents: latents, values: values[...], parallel: ParallelChunks(threads: 2), trace: &noTrace)
        #expect(output.count == latents.count)
        for level in 0..<geometry.levels {
            let (width, height) = geometry.gridSizes[level]
            let offset = geometry.offset(level: level)
            for y in 0..<height {
                for x in 0..<width {
                    var expected = Double(latents[offset + y * width + x])
                    if level < geometry.levels - 1 {
                        let start = 4 * (geometry.levels - 2 - level)
                        func w(_ t: Int) -> Double { Double(values[start + abs(t)]) }
                        for dy in -3...3 where (0..<height).contains(y + dy) {
                            for dx in -3...3 where (0..<width).contains(x + dx) {
                                expected += w(dy) * w(dx) * Double(latents[offset + (y + dy) * width + x + dx])
                            }
                        }
                    }
                    #expect(abs(Double(output[offset + y * width + x]) - expected) < 1e-4 * max(1, abs(expected)))
                }
            }
        }
        #expect(Array(output[geometry.totalLatents...]) == Array(latents[geometry.totalLatents...]))
    }
}

extension PreConcatenationFilterTests {
    /// The AVX-512 passes give the Swift loops' values bit for bit (widths with and without vector
    /// tails, planes shorter than the kernel).
    @Test(arguments: [(61, 37), (22, 9), (6, 2), (3, 7), (1, 1)])
    func vectorPassesMatchPortableBitForBit(size: (Int, Int)) {
        guard Acceleration.available >= .avx512 else { return }
        let (width, height) = size
        var generator = SeededGenerator(seed: 9)
        let plane = (0..<(width * height)).map { _ in generator.uniform(30) }
        let start = (0..<(width * height)).map { _ in generator.uniform(30) }
        let kernel = SIMD4<Float>(generator.uniform(1), generator.uniform(1), generator.uniform(1), generator.uniform(1))
        func passes(_ level: Acceleration.Level) -> ([Float], [Float]) {
            var rows = [Float](repeating: 0, count: width * height)
            var columns = [Float](repeating: 0, count: width * height), bare = columns
            plane.withUnsafeBufferPointer { p in
                rows.withUnsafeMutableBufferPointer { r in
                    PreConcatenationFilter.filterRows(p.baseAddress!, width: width, rows: 0..<height, kernel: kernel,
                                                      into: r.baseAddress!, level: level)
                }
                start.withUnsafeBufferPointer { base in
                    columns.withUnsafeMutableBufferPointer { c in
                        PreConcatenationFilter.filterColumns(p.baseAddress!, width: width, height: height, rows: 0..<height,
                                                             kernel: kernel, adding: base.baseAddress!, into: c.baseAddress!, level: level)
                    }
                    bare.withUnsafeMutableBufferPointer { c in
                        PreConcatenationFilter.filterColumns(p.baseAddress!, width: width, height: height, rows: 0..<height,
                                                             kernel: kernel, adding: nil, into: c.baseAddress!, level: level)
                    }
                }
            }
            return (rows, columns + bare)
        }
        let (portableRows, portableColumns) = passes(.portable)
        let (vectorRows, vectorColumns) = passes(.avx512)
        #expect(portableRows.map(\.bitPattern) == vectorRows.map(\.bitPattern))
        #expect(portableColumns.map(\.bitPattern) == vectorColumns.map(\.bitPattern))
    }
}
