import Dispatch
import NeuralKernels

func medianMilliseconds(runs: Int, _ body: () -> Void) -> Double {
    body()
    var times = [Double]()
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    return times.sorted()[times.count / 2]
}

let model = try CodecStepModel()
var losses = [Double]()
let stepMs = medianMilliseconds(runs: 5) { losses.append(model.trainingStep()) }
print("step \(stepMs) ms, losses \(losses)")
print("arm", medianMilliseconds(runs: 3) { _ = model.armForwardBackward() })
print("gather", medianMilliseconds(runs: 3) { model.gatherContext() })
print("scatter", medianMilliseconds(runs: 3) { model.scatterContextGradient() })
print("upF", medianMilliseconds(runs: 3) { model.upsampleForward() })
print("upB", medianMilliseconds(runs: 3) { model.upsampleBackward() })
print("syn", medianMilliseconds(runs: 3) { _ = model.synthesisForwardBackward() })
let n = model.latentCount
print("laplace", medianMilliseconds(runs: 3) { _ = LaplaceRate.bits(values: model.quantized.c, means: model.armOut.c, logScales: model.logScale.c, count: n, gradValues: model.gradQuantized.p, gradMeans: model.gradArmOut.p, gradLogScales: model.gradArmOut.p + n) })
print("softround", medianMilliseconds(runs: 3) { QuantizationProxy.softRound(model.latents.value.c, count: n, temperature: 0.3, output: model.soft.p) })
print("adam latents", medianMilliseconds(runs: 3) { Adam().update(parameters: model.latents.value.p, gradients: model.latents.gradient.c, firstMoment: model.latents.firstMoment.p, secondMoment: model.latents.secondMoment.p, count: n, learningRate: 1e-3, step: 3) })
let px = 512 * 768
print("lin 7-48", medianMilliseconds(runs: 3) { Linear.forward(input: model.stacks[0].c, inFeatures: 7, count: px, weight: model.synAw.value.c, bias: model.synAb.value.c, outFeatures: 48, output: model.synA.p, relu: true) })
print("lin 7-48 bwd", medianMilliseconds(runs: 3) { Linear.backward(input: model.stacks[0].c, inFeatures: 7, count: px, weight: model.synAw.value.c, outFeatures: 48, gradOutput: model.gradA.c, gradInput: model.gradStacks[0].p, gradWeight: model.synAw.gradient.p, gradBias: model.synAb.gradient.p) })
print("conv3 fwd", medianMilliseconds(runs: 3) { model.conv3.forward(input: model.synB.c, height: 512, width: 768, weight: model.synCw.value.c, bias: model.synCb.value.c, output: model.synR1.p, relu: true) })
print("conv3 bwd", medianMilliseconds(runs: 3) { model.conv3.backward(input: model.synB.c, height: 512, width: 768, weight: model.synCw.value.c, gradOutput: model.gradR1.c, gradInput: model.gradB.p, accumulateInput: true, gradWeight: model.synCw.gradient.p, gradBias: model.synCb.gradient.p) })
