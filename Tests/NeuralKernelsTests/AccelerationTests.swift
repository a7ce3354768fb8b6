import Dispatch
import Testing
import Synchronization
import NeuralKernels

/// Every kernel level (portable C, AVX2 + FMA, AVX-512F) must give exactly the same results, and
/// those results must be the fused multiply-add sums the kernels document.
@Suite(.serialized) struct AccelerationTests {
    func convolution(level: Acceleration.Level, width w: Int, mode: PaddingMode, stride: Int,
                     channels: (Int, Int) = (13, 11), height h: Int = 9) throws -> [Float] {
        try Acceleration.withMaximumLevel(level) {
            try convolution(width: w, mode: mode, stride: stride, channels: channels, height: h)
        }
    }

    /// A random convolution's output, input gradient, weight gradient and bias gradient, in one
    /// array, on the kernels of the level in force.
    func convolution(width w: Int, mode: PaddingMode, stride: Int, channels: (Int, Int), height h: Int) throws -> [Float] {
        let (c, k) = channels
        let conv = try Conv2D(inChannels: c, outChannels: k, kernel: 3, stride: stride, padding: 1, paddingMode: mode)
        let out = conv.outputSize(height: h, width: w)
        var random = TestRandom(seed: 100)
        let x = random.array(c * h * w), weight = random.array(conv.weightCount), bias = random.array(k)
        let g = random.array(k * out.height * out.width)
        var y = [Float](repeating: 0.5, count: k * out.height * out.width)
        var gx = [Float](repeating: 0, count: x.count), gw = [Float](repeating: 0, count: weight.count)
        var gb = [Float](repeating: 0, count: k)
        conv.forward(input: x, height: h, width: w, weight: weight, bias: bias, output: &y, accumulate: true, relu: true)
        conv.backward(input: x, height: h, width: w, weight: weight, gradOutput: g, gradInput: &gx, gradWeight: &gw,
                      gradBias: &gb)
        return y + gx + gw + gb
    }

    /// A cap holds in its task and in the worker threads its kernels start, and nowhere else: the
    /// tests comparing levels run beside the others.
    @Test func capStaysInItsTaskAndItsWorkers() {
        let outside = Mutex(Acceleration.Level.portable)
        Acceleration.withMaximumLevel(.portable) {
            let levels = Mutex([Acceleration.Level](repeating: .avx512, count: 8))
            Parallel.forEach(8) { chunk in
                let level = Acceleration.level
                levels.withLock { $0[chunk] = level }
            }
            #expect(levels.withLock { $0 } == [Acceleration.Level](repeating: .portable, count: 8))
            #expect(Acceleration.level == .portable)
            // Another thread, while the cap holds, as a test running beside this one.
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                let level = Acceleration.level
                outside.withLock { $0 = level }
                done.signal()
            }
            done.wait()
        }
        #expect(outside.withLock { $0 } == Acceleration.available)
        #expect(Acceleration.level == Acceleration.available)
    }

    /// Widths 53 = 32 + 16 + 5 and 91 = 64 + 16 + 8 + 3 reach every column tile of the kernels;
    /// zero padding takes the input gradient's window path, replicate the padded path and its fold;
    /// stride 2 takes the strided forms of the product and of the correlation.
    @Test(arguments: [53, 91], [PaddingMode.replicate, .zero])
    func wideKernelsMatchPortableBitForBit(_ width: Int, _ mode: PaddingMode) throws {
        for stride in [1, 2] {
            let portable = try convolution(level: .portable, width: width, mode: mode, stride: stride)
            for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.available {
                #expect(try convolution(level: level, width: width, mode: mode, stride: stride) == portable,
                        "level \(level), stride \(stride)")
            }
        }
    }

    /// The Winograd path (16 and more channels) on every level, and with one or two threads.
    @Test(arguments: [PaddingMode.replicate, .zero])
    func winogradMatchesAcrossLevelsAndThreads(_ mode: PaddingMode) throws {
        let portable = try convolution(level: .portable, width: 21, mode: mode, stride: 1, channels: (16, 17))
        for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.available {
            #expect(try convolution(level: level, width: 21, mode: mode, stride: 1, channels: (16, 17)) == portable,
                    "level \(level)")
        }
        Parallel.setMaxThreads(1)
        defer { Parallel.setMaxThreads(0) }
        #expect(try convolution(level: .avx512, width: 21, mode: mode, stride: 1, channels: (16, 17)) == portable)
    }

    /// The Winograd weight gradient over several bands (35 x 130 outputs: 18 x 65 tiles in 8 bands
    /// of 2-3 tile rows, a partial bottom tile row; row products of 130 and 195 tiles, so with
    /// scalar tails) on every level and with 1, 2 and 3 threads.
    @Test func winogradWeightGradientMatchesAcrossLevelsAndThreads() throws {
        let portable = try convolution(level: .portable, width: 130, mode: .zero, stride: 1, channels: (16, 19),
                                       height: 35)
        for level in [Acceleration.Level.avx2, .avx512] where level <= Acceleration.available {
            #expect(try convolution(level: level, width: 130, mode: .zero, stride: 1, channels: (16, 19),
                                    height: 35) == portable, "level \(level)")
        }
        defer { Parallel.setMaxThreads(0) }
        for threads in [1, 3] {
            Parallel.setMaxThreads(threads)
            #expect(try convolution(level: .avx512, width: 130, mode: .zero, stride: 1, channels: (16, 19),
                                    height: 35) == portable, "\(threads) threads")
        }
    }

    /// Two terms whose exact sum is 2^-24 while their separately rounded products cancel to 0:
    /// u = 1 + 2^-12 gives u * u = 1 + 2^-11 + 2^-24, which rounds to 1 + 2^-11. A fused
    /// multiply-add keeps the 2^-24, an unfused one loses it. Checked for the forward product
    /// (depth 2) and for the weight-gradient correlation, both through its scalar tail (2
    /// positions) and through one vector lane (positions 0 and 16 of 32), at every level.
    @Test func everyLevelAccumulatesWithFusedMultiplyAdd() {
        let u: Float = 1 + 0x1p-12, v: Float = -(1 + 0x1p-11)
        for level in [Acceleration.Level.portable, .avx2, .avx512] where level <= Acceleration.available {
            Acceleration.withMaximumLevel(level) { fusedSums(level: level, u: u, v: v) }
        }
    }

    /// The checks of ``everyLevelAccumulatesWithFusedMultiplyAdd()`` at the level in force.
    func fusedSums(level: Acceleration.Level, u: Float, v: Float) {
        var output: [Float] = [0]
        Linear.forward(input: [v, u], inFeatures: 2, count: 1, weight: [1, u], bias: nil, outFeatures: 1,
                       output: &output)
        #expect(output == [0x1p-24], "forward, level \(level)")
        for (count, second) in [(2, 1), (32, 16)] {
            var gradOutput = [Float](repeating: 0, count: count), input = gradOutput
            gradOutput[0] = 1
            input[0] = v
            gradOutput[second] = u
            input[second] = u
            var gradWeight: [Float] = [0]
            Linear.backward(input: input, inFeatures: 1, count: count, weight: [1], outFeatures: 1,
                            gradOutput: gradOutput, gradInput: nil, gradWeight: &gradWeight, gradBias: nil)
            #expect(gradWeight == [0x1p-24], "weight gradient over \(count) positions, level \(level)")
        }
    }
}
