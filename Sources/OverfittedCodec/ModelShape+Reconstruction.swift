extension ModelShape {
    /// The decoder's image (channel planes, each `width * height`, in [0, 1], not yet quantised)
    /// from integer latents (as Float, all grids, finest first) and dequantised networks.
    /// Records the up-sampling and synthesis times in `phases` (laps of `clock`).
    func reconstruct(latents: [Float], networks: NetworkParameters, parallel: ParallelChunks,
                     phases: inout DecodePhases, clock: inout ContinuousClock.Instant) -> [Float] {
        var noTrace: Upsampler.Trace? = nil
        let planes = Upsampler(geometry: geometry).forward(latents: latents, kernels: networks.upsampling,
                                                           parallel: parallel, trace: &noTrace)
        phases.upsampling = DecodePhases.lap(&clock)
        let synthesis = Synthesis(shape: self)
        let image = synthesis.forward(features: Array(planes.joined()), parameters: networks.synthesis, parallel: parallel).image
        phases.synthesis = DecodePhases.lap(&clock)
        return image
    }
}
