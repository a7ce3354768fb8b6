/// Dense (fully connected / 1x1 convolution) layers over a tile of `tileSize` items stored
/// channel-major: channel `c` of item `t` is at `c * tileSize + t`. `tileSize` is a multiple of 8.
///
/// The loops run over whole SIMD8 lanes in a fixed order, so results do not depend on threads.
enum TileDense {
    static let tileSize = 64

    /// `output[o] = bias[o] + sum_i weights[o * inputs + i] * input[i]` for every item.
    static func forward(
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, inputs: Int, outputs: Int
    ) {
        let lanes = tileSize / 8
        let inVec = UnsafeRawPointer(input)
        let outVec = UnsafeMutableRawPointer(output)
        for o in 0..<outputs {
            let b = bias?[o] ?? 0
            for lane in 0..<lanes {
                var acc = SIMD8<Float>(repeating: b)
                for i in 0..<inputs {
                    let x = inVec.loadUnaligned(fromByteOffset: (i * tileSize + lane * 8) * 4, as: SIMD8<Float>.self)
                    acc = acc + x * weights[o * inputs + i]
                }
                outVec.storeBytes(of: acc, toByteOffset: (o * tileSize + lane * 8) * 4, as: SIMD8<Float>.self)
            }
        }
    }

    /// `gradInput[i] (+)= sum_o weights[o * inputs + i] * gradOutput[o]` for every item.
    static func backwardInput(
        weights: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
        inputs: Int, outputs: Int, accumulate: Bool
    ) {
        let lanes = tileSize / 8
        let gVec = UnsafeRawPointer(gradOutput)
        let dVec = UnsafeMutableRawPointer(gradInput)
        for i in 0..<inputs {
            for lane in 0..<lanes {
                let offset = (i * tileSize + lane * 8) * 4
                var acc = accumulate ? dVec.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self) : .zero
                for o in 0..<outputs {
                    let g = gVec.loadUnaligned(fromByteOffset: (o * tileSize + lane * 8) * 4, as: SIMD8<Float>.self)
                    acc = acc + g * weights[o * inputs + i]
                }
                dVec.storeBytes(of: acc, toByteOffset: offset, as: SIMD8<Float>.self)
            }
        }
    }

    /// `gradWeights[o, i] += sum_t gradOutput[o, t] * input[i, t]`; `gradBias[o] += sum_t gradOutput[o, t]`.
    static func backwardWeights(
        gradOutput: UnsafePointer<Float>, input: UnsafePointer<Float>, gradWeights: UnsafeMutablePointer<Float>,
        gradBias: UnsafeMutablePointer<Float>?, inputs: Int, outputs: Int
    ) {
        let lanes = tileSize / 8
        let gVec = UnsafeRawPointer(gradOutput)
        let xVec = UnsafeRawPointer(input)
        for o in 0..<outputs {
            var biasAcc = SIMD8<Float>.zero
            for lane in 0..<lanes {
                biasAcc = biasAcc + gVec.loadUnaligned(fromByteOffset: (o * tileSize + lane * 8) * 4, as: SIMD8<Float>.self)
            }
            gradBias?[o] += biasAcc.sum()
            for i in 0..<inputs {
                var acc = SIMD8<Float>.zero
                for lane in 0..<lanes {
                    let g = gVec.loadUnaligned(fromByteOffset: (o * tileSize + lane * 8) * 4, as: SIMD8<Float>.self)
                    let x = xVec.loadUnaligned(fromByteOffset: (i * tileSize + lane * 8) * 4, as: SIMD8<Float>.self)
                    acc = acc + g * x
                }
                gradWeights[o * inputs + i] += acc.sum()
            }
        }
    }
}
