import Testing
@testable import ImageCore

@Suite struct ResamplingTests {
    @Test func downsamplingAveragesBlocks() {
        let plane = Plane(width: 3, height: 3, samples: [0, 4, 8, 12, 16, 20, 24, 28, 32])!
        let half = plane.downsampled2x()
        #expect(half.width == 2 && half.height == 2)
        // Blocks: {0,4,12,16}, {8,8,20,20} (last column repeated), {24,28,24,28}, {32,32,32,32}.
        #expect(half.samples == [8, 14, 26, 32])
    }

    @Test func upsamplingKeepsConstantsAndRamps() {
        let constant = Plane(width: 4, height: 3, value: 0.25)
        #expect(constant.upsampled2x(width: 7, height: 6).samples.allSatisfy { $0 == 0.25 })
        // A ramp 0, 2, 4, 6 at centres 0.5, 2.5, ... in the full grid upsamples to x - 0.5 (x = 1...6).
        let ramp = Plane(width: 4, height: 1, samples: [0, 2, 4, 6])!
        let up = ramp.upsampled2x(width: 8, height: 2)
        #expect(Array(up.samples[1..<7]) == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
        #expect(up.samples[0] == 0 && up.samples[7] == 6)
    }

    @Test func chromaRoundTripOfSmoothPlaneIsClose() {
        var plane = Plane(width: 9, height: 7)
        for y in 0..<7 { for x in 0..<9 { plane[x, y] = Float(x + 2 * y) / 32 } }
        let back = plane.downsampled2x().upsampled2x(width: 9, height: 7)
        #expect(back.width == 9 && back.height == 7)
        // Interior samples of a linear ramp come back exactly; the border differs by at most one step.
        #expect(abs(back[4, 3] - plane[4, 3]) < 1e-6)
        #expect(zip(back.samples, plane.samples).allSatisfy { abs($0 - $1) <= 3.0 / 32 })
    }
}
