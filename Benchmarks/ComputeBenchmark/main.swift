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
