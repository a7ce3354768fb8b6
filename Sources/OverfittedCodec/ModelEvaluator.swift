/// Loss of a model on its image, `MSE + lambda * bits / pixels`, and its gradients.
///
/// MSE is the mean over every sample of every channel (values in [0, 1]); bits are the latents'
/// training-time rate (``ARMTraining``). Network parameters are not part of the loss while training.
struct ModelEvaluator {
    let shape: ModelShape
    /// The image to fit, `outputChannels` planes of `width * height`, in [0, 1].
    let target: [Float]
    let lambda: Float
    let parallel: ParallelChunks
    let armTraining: ARMTraining
    let upsampler: Upsampler
    let synthesis: Synthesis

    init(shape: ModelShape, target: [Float], lambda: Float, parallel: ParallelChunks) {
        self.shape = shape
        self.target = target
        self.lambda = lambda
        self.parallel = parallel
        armTraining = ARMTraining(shape: shape)
        upsampler = Upsampler(geometry: shape.geometry)
        synthesis = Synthesis(shape: shape)
    }

    var pixelCount: Int { shape.geometry.width * shape.geometry.height }

    struct Evaluation {
        var mse: Double
        var bits: Double
        var loss: Double
        var bitsPerPixel: Double
    }

    struct Gradients {
        var latents: [Float]
        var networks: NetworkParameters
    }

    /// The reconstruction (clamped, not quantised to 8 bits) of `latents` through the networks.
    func reconstruct(latents: [Float], networks: NetworkParameters) -> (image: [Float], features: [Float], trace: Synthesis.Trace, upsampling: Upsampler.Trace?) {
        var trace: Upsampler.Trace? = Upsampler.Trace()
        let features = upsampler.forward(latents: latents, kernels: networks.upsampling, parallel: parallel, trace: &trace)
        let (image, synthesisTrace) = synthesis.forward(features: features, parameters: networks.synthesis, parallel: parallel)
        return (image, features, synthesisTrace, trace)
    }

    /// Mean squared error of `image` against the target.
    func meanSquaredError(_ image: [Float]) -> Double {
        var sum = 0.0
        for i in 0..<image.count {
            let d = Double(image[i] - target[i])
            sum += d * d
        }
        return sum / Double(max(1, image.count))
    }

    func summary(mse: Double, bits: Double) -> Evaluation {
        let bpp = bits / Double(pixelCount)
        return Evaluation(mse: mse, bits: bits, loss: mse + Double(lambda) * bpp, bitsPerPixel: bpp)
    }

    /// Loss only (the ARM rate and the reconstruction).
    func evaluate(latents: [Float], networks: NetworkParameters) -> Evaluation {
        let rate = armTraining.run(latents: latents, parameters: networks.arm, scale: 0, parallel: parallel)
        let image = reconstruct(latents: latents, networks: networks).image
        return summary(mse: meanSquaredError(image), bits: rate.bits)
    }

    /// Loss and gradients w.r.t. the (already quantised-proxy) latents and every network parameter.
    func evaluateWithGradients(latents: [Float], networks: NetworkParameters) -> (Evaluation, Gradients) {
        let pixels = Float(pixelCount)
        let rate = armTraining.run(latents: latents, parameters: networks.arm, scale: lambda / pixels, parallel: parallel)
        let forward = reconstruct(latents: latents, networks: networks)
        let mse = meanSquaredError(forward.image)
        let gradScale = 2 / Float(max(1, forward.image.count))
        var gradImage = [Float](repeating: 0, count: forward.image.count)
        for i in 0..<gradImage.count { gradImage[i] = gradScale * (forward.image[i] - target[i]) }
        var gradSynthesis = [Float](repeating: 0, count: networks.synthesis.count)
        let gradFeatures = synthesis.backward(gradImage: gradImage, features: forward.features, parameters: networks.synthesis,
                                              trace: forward.trace, parallel: parallel, gradParameters: &gradSynthesis)
        let levels = shape.geometry.levels
        let planes = (0..<levels).map { Array(gradFeatures[($0 * pixelCount)..<(($0 + 1) * pixelCount)]) }
        var gradLatents = rate.gradLatents
        var gradUpsampling = [Float](repeating: 0, count: networks.upsampling.count)
        if let trace = forward.upsampling {
            upsampler.backward(gradPlanes: planes, kernels: networks.upsampling, trace: trace, parallel: parallel,
                               gradLatents: &gradLatents, gradKernels: &gradUpsampling)
        }
        let gradients = Gradients(latents: gradLatents,
                                  networks: NetworkParameters(arm: rate.gradParameters, upsampling: gradUpsampling,
                                                              synthesis: gradSynthesis))
        return (summary(mse: mse, bits: rate.bits), gradients)
    }
}
