import Testing
import NeuralKernels

/// The C (AVX2 / AVX-512) kernels must give exactly the portable Swift results.
@Suite(.serialized) struct AccelerationTests {
    func convolution(level: Acceleration.Level, width w: Int, mode: PaddingMode) throws -> [Float] {
        Acceleration.setMaximumLevel(level)
        defer { Acceleration.setMaximumLevel(.avx512) }
        let conv = try Conv2D(inChannels: 13, outChannels: 11, kernel: 3, padding: 1, paddingMode: mode)
        let h = 9
        var random = TestRandom(seed: 100)
        let x = random.array(13 * h * w), weight = random.array(conv.weightCount), bias = random.array(11)
        let g = random.array(11 * h * w)
        var y = [Float](repeating: 0.5, count: 11 * h * w)
        var gx = [Float](repeating: 0, count: x.count), gw = [Float](repeating: 0, count: weight.count)
        conv.forward(input: x, height: h, width: w, weight: weight, bias: bias, output: &y, accumulate: true, relu: true)
        conv.backward(input: x, height: h, width: w, weight: weight, gradOutput: g, gradInput: &gx, gradWeight: &gw,
                      gradBias: nil)
        return y + gx + gw
    }

    /// Widths 53 = 32 + 16 + 5 and 91 = 64 + 16 + 8 + 3 reach every column tile of the kernels;
    /// zero padding takes the input gradient's window path, replicate the padded path and its fold.
    @Test(arguments: [53, 91], [PaddingMode.replicate, .zero])
    func wideKernelsMatchPortableBitForBit(_ width: Int, _ mode: PaddingMode) throws {
        let portable = try convolution(level: .portable, width: width, mode: mode)
        for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.available {
            #expect(try convolution(level: level, width: width, mode: mode) == portable, "level \(level)")
        }
    }
}
