import Testing
import NeuralKernels

@Suite struct OptimizerTests {
    @Test func firstAdamStepMovesByTheLearningRate() {
        var state = AdamState(count: 3)
        var parameters: [Float] = [1, 1, 1]
        state.update(&parameters, gradients: [0.5, -2, 0], learningRate: 0.1)
        // Bias-corrected m / sqrt(v) is sign(g) on the first step.
        #expect(abs(parameters[0] - 0.9) < 1e-6)
        #expect(abs(parameters[1] - 1.1) < 1e-6)
        #expect(parameters[2] == 1)
        #expect(state.step == 1)
    }

    @Test func adamOverRangesLeavesTheOtherEntriesAlone() {
        var state = AdamState(count: 5)
        var parameters: [Float] = [1, 1, 1, 1, 1]
        state.update(&parameters, gradients: [0.5, -2, 3, -1, 4], ranges: [0..<1, 3..<9], learningRate: 0.1)
        // First step: each updated entry moves by the learning rate against its gradient's sign.
        #expect(abs(parameters[0] - 0.9) < 1e-6 && abs(parameters[3] - 1.1) < 1e-6 && abs(parameters[4] - 0.9) < 1e-6)
        #expect(parameters[1] == 1 && parameters[2] == 1)
        #expect(state.firstMoment[1] == 0 && state.secondMoment[2] == 0 && state.step == 1)
    }

    @Test func adamMinimisesAQuadratic() {
        let target: [Float] = (0..<19).map { Float($0) / 4 - 2 }
        var parameters = [Float](repeating: 0, count: target.count)
        var state = AdamState(count: target.count)
        let schedule = CosineSchedule(peak: 0.1, floor: 1e-3, warmupSteps: 10, totalSteps: 400)
        for step in 0..<400 {
            let gradients = zip(parameters, target).map { 2 * ($0 - $1) }
            state.update(&parameters, gradients: gradients, learningRate: schedule.learningRate(at: step))
        }
        #expect(maxRelativeError(parameters, target) < 1e-2)
    }

    @Test func decoupledWeightDecayShrinksParametersWithoutGradient() {
        var state = AdamState(count: 2)
        var parameters: [Float] = [2, -4]
        state.update(&parameters, gradients: [0, 0], learningRate: 0.1, optimizer: Adam(weightDecay: 0.5))
        #expect(abs(parameters[0] - 1.9) < 1e-6)
        #expect(abs(parameters[1] + 3.8) < 1e-6)
    }

    @Test func globalNormClippingScalesAllBlocksTogether() {
        var gradients: [[Float]] = [[3, 0], [4]]
        let norm = GradientClipping.clipGlobalNorm(&gradients, maxNorm: 1)
        #expect(abs(norm - 5) < 1e-6)
        #expect(abs(gradients[0][0] - 0.6) < 1e-6 && gradients[0][1] == 0 && abs(gradients[1][0] - 0.8) < 1e-6)
        var small: [[Float]] = [[0.3], [0.4]]
        GradientClipping.clipGlobalNorm(&small, maxNorm: 1)
        #expect(small == [[0.3], [0.4]])
    }

    @Test func cosineScheduleWarmsUpThenDecays() {
        let schedule = CosineSchedule(peak: 1e-2, floor: 1e-5, warmupSteps: 4, totalSteps: 104)
        #expect(abs(schedule.learningRate(at: 0) - 2.5e-3) < 1e-9)
        #expect(abs(schedule.learningRate(at: 3) - 1e-2) < 1e-9)
        #expect(abs(schedule.learningRate(at: 54) - (1e-5 + (1e-2 - 1e-5) * 0.5)) < 1e-8)
        #expect(abs(schedule.learningRate(at: 104) - 1e-5) < 1e-9)
        #expect(abs(schedule.learningRate(at: 500) - 1e-5) < 1e-9)
    }
}

@Suite struct MemoryPolicyTests {
    @Test func allocatorSettingIsAppliedOnGlibc() {
        #if os(Linux)
        #expect(MemoryPolicy.keepFreedMemoryForReuse())
        #endif
        // Allocation still works afterwards.
        let buffer = [Float](repeating: 1, count: 1 << 22)
        #expect(buffer.reduce(0, +) == Float(1 << 22))
    }
}
