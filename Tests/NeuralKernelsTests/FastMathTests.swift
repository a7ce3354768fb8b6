import Foundation
import Testing
import NeuralKernels

@Suite struct FastMathTests {
    /// Lane-by-lane comparison with Foundation's (libm's) functions in Double over a dense grid:
    /// relative error, or absolute error scaled by max(1, |expected|).
    func maxError(_ inputs: [Float], fast: (SIMD8<Float>) -> SIMD8<Float>, reference: (Double) -> Double,
                  relative: Bool) -> Double {
        var worst = 0.0
        var i = 0
        while i + 8 <= inputs.count {
            let x = SIMD8<Float>(inputs[i..<(i + 8)])
            let y = fast(x)
            for lane in 0..<8 {
                let expected = reference(Double(x[lane]))
                let error = abs(Double(y[lane]) - expected) / (relative ? max(abs(expected), 1e-30) : max(abs(expected), 1))
                worst = max(worst, error)
            }
            i += 8
        }
        return worst
    }

    @Test func expIsAccurateToAFewUlps() {
        let inputs = (0..<16000).map { Float($0) / 100 - 80 }
        #expect(maxError(inputs, fast: FastMath.exp, reference: Foundation.exp, relative: true) < 4e-7)
        #expect(FastMath.exp(SIMD8(repeating: 0)) == SIMD8(repeating: 1))
    }

    @Test func tanhIsAccurateEverywhere() {
        let inputs = (0..<16000).map { Float($0) / 1000 - 8 }
        #expect(maxError(inputs, fast: FastMath.tanh, reference: Foundation.tanh, relative: false) < 3e-7)
        let small = (1..<801).map { Float($0) * 1e-4 * ($0 % 2 == 0 ? 1 : -1) }
        #expect(maxError(small, fast: FastMath.tanh, reference: Foundation.tanh, relative: true) < 1e-6)
        #expect(FastMath.tanh(SIMD8(repeating: 40)) == SIMD8(repeating: 1))
    }

    @Test func log2IsAccurateOverTheRangeTheRateUses() {
        let inputs = (0..<16000).map { Float(Foundation.exp2(-17 + Double($0) / 16000 * 18)) }
        #expect(maxError(inputs, fast: FastMath.log2, reference: Foundation.log2, relative: false) < 3e-7)
        #expect(FastMath.log2(SIMD8(repeating: 1)) == SIMD8(repeating: 0))
        #expect(FastMath.log2(SIMD8(repeating: 0.25)) == SIMD8(repeating: -2))
    }

    @Test func roundingHelpersMatchTheStandardLibrary() {
        let inputs: [Float] = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -3.7, 3.7, -0.2, 0.0, 8_388_609, -5e6, 1e9, 4_194_303.5]
        for x in inputs {
            let v = SIMD8<Float>(repeating: x)
            #expect(FastMath.roundedToNearest(v)[0] == x.rounded(.toNearestOrEven), "round \(x)")
            #expect(FastMath.floor(v)[0] == x.rounded(.down), "floor \(x)")
        }
    }
}
