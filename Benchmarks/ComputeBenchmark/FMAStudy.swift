import NeuralKernels

/// The fused-multiply-add question, measured: one loop (4 outputs x 8 positions per tile, the
/// portable kernel's shape) written with an unfused `a * b + c` and with `addingProduct`, plus the
/// library's own kernels at each level. Single thread, the ARM's 20 -> 20 layer on 65,536 positions.
enum FMAStudy {
    struct Row {
        let name: String
        let gflops: Double
    }

    static let inFeatures = 20, outFeatures = 20, count = 65_536

    static func run(runs: Int) -> [Row] {
        let x = Buffer(random: inFeatures * count, scale: 1, seed: 41)
        let w = Buffer(random: inFeatures * outFeatures, scale: 0.2, seed: 42)
        let y = Buffer(outFeatures * count)
        let flops = 2.0 * Double(inFeatures * outFeatures * count)
        func rate(_ body: () -> Void) -> Double { flops / (medianMilliseconds(runs: runs, body) * 1e6) }
        Parallel.setMaxThreads(1)
        defer { Parallel.setMaxThreads(2) }
        var rows = [Row]()
        rows.append(Row(name: "Swift SIMD8 loop, a * b + c (unfused)", gflops: rate { tiles(x, w, y, fused: false) }))
        rows.append(Row(name: "Swift SIMD8 loop, addingProduct (fused)", gflops: rate { tiles(x, w, y, fused: true) }))
        for level in [Acceleration.Level.portable, .avx2, .avx512] where level <= Acceleration.available {
            let gflops = Acceleration.withMaximumLevel(level) {
                rate {
                    Linear.forward(input: x.c, inFeatures: inFeatures, count: count, weight: w.c, bias: nil,
                                   outFeatures: outFeatures, output: y.p)
                }
            }
            rows.append(Row(name: "Linear.forward, \(level) kernel", gflops: gflops))
        }
        return rows
    }

    /// out[o, p] = sum_i w[o, i] x[i, p], 4 outputs x 8 positions at a time.
    @inline(never)
    static func tiles(_ x: Buffer, _ w: Buffer, _ y: Buffer, fused: Bool) {
        let x = x.c, w = w.c
        var p = 0
        while p < count {
            var o = 0
            while o < outFeatures {
                var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
                for i in 0..<inFeatures {
                    let v = UnsafeRawPointer(x + i * count + p).loadUnaligned(as: SIMD8<Float>.self)
                    let w0 = w[o * inFeatures + i], w1 = w[(o + 1) * inFeatures + i]
                    let w2 = w[(o + 2) * inFeatures + i], w3 = w[(o + 3) * inFeatures + i]
                    if fused {
                        s0.addProduct(v, SIMD8(repeating: w0))
                        s1.addProduct(v, SIMD8(repeating: w1))
                        s2.addProduct(v, SIMD8(repeating: w2))
                        s3.addProduct(v, SIMD8(repeating: w3))
                    } else {
                        s0 = s0 + v * w0
                        s1 = s1 + v * w1
                        s2 = s2 + v * w2
                        s3 = s3 + v * w3
                    }
                }
                UnsafeMutableRawPointer(y.p + o * count + p).storeBytes(of: s0, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(y.p + (o + 1) * count + p).storeBytes(of: s1, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(y.p + (o + 2) * count + p).storeBytes(of: s2, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(y.p + (o + 3) * count + p).storeBytes(of: s3, as: SIMD8<Float>.self)
                o += 4
            }
            p += 8
        }
    }
}
