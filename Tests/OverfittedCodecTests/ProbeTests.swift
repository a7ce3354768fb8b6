import Testing
import Foundation
import ImageCore
@testable import OverfittedCodec

@Suite struct ProbeTests {
    @Test func probeTraining() throws {
        let env = ProcessInfo.processInfo.environment
        guard let path = env["PROBE_IMAGE"] else { return }
        let image = try ImageFile.read(path: path)
        let size = Int(env["PROBE_SIZE"] ?? "256")!
        let w = min(size, image.width), h = min(size, image.height)
        var target: [Float] = []
        for p in image.planes { for y in 0..<h { for x in 0..<w { target.append(p[x, y]) } } }
        let complexity = DecoderComplexity(rawValue: env["PROBE_COMPLEXITY"] ?? "low")!
        let config = EncoderConfiguration(lambda: Double(env["PROBE_LAMBDA"] ?? "0.001")!, preset: .iterations(Int(env["PROBE_ITERS"] ?? "300")!), complexity: complexity, threads: 2)
        let shape = ModelShape(architecture: complexity.architecture(outputChannels: 3), width: w, height: h)
        let evaluator = ModelEvaluator(shape: shape, target: target, lambda: Float(config.lambda), parallel: ParallelChunks(threads: 2))
        let trainer = Trainer(evaluator: evaluator, configuration: config, shape: shape)
        let start = Date()
        let (latents, networks) = trainer.fit { p in
            if p.iteration % 50 == 0 { print(p.phase, p.iteration, p.loss, p.bitsPerPixel, p.psnr, Date().timeIntervalSince(start)) }
        }
        let e = evaluator.evaluate(latents: latents, networks: networks)
        print("final", e.bitsPerPixel, Trainer.psnr(mse: e.mse), Date().timeIntervalSince(start))
    }
}
