extension ModelShape {
    /// The decoder's image (channel planes, each `width * height`, not yet clamped to [0, 1] nor quantised)
    /// from integer latents (as Float, all grids, finest first) and dequantised networks.
    /// Records the up-sampling and synthesis times in `phases` (laps of `clock`).
    func reconstruct(latents: [Float], networks: NetworkParameters, parallel: ParallelChunks,
                     phases: inout DecodePhases, clock: inout ContinuousClock.Instant) -> [Float] {
        var noTrace: Upsampler.Trace? = nil
        var noFilterTrace: PreConcatenationFilter.Trace? = nil
        let grids = architecture.preFilter
            ? PreConcatenationFilter(geometry: geometry).forward(latents: latents, values: networks.upsampling[upsampler.preFilter],
                                                                 parallel: parallel, trace: &noFilterTrace)
            : latents
        let features = Upsampler(geometry: geometry).forward(latents: grids, kernels: networks.upsampling,
                                                           parallel: parallel, trace: &noTrace)
        phases.upsampling = DecodePhases.lap(&clock)
        let output = Synthesis(shape: self).output(features: consume features, parameters: networks.synthesis, parallel: parallel)
        phases.synthesis = DecodePhases.lap(&clock)
        return output
    }
}
