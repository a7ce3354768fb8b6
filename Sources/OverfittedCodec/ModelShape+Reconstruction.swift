extension ModelShape {
    /// The decoder's image (channel planes, each `width * height`, in [0, 1], not yet quantised)
    /// from integer latents (as Float, all grids, finest first) and dequantised networks.
    func reconstruct(latents: [Float], networks: NetworkParameters, parallel: ParallelChunks) -> [Float] {
        var noTrace: Upsampler.Trace? = nil
        let planes = Upsampler(geometry: geometry).forward(latents: latents, kernels: networks.upsampling,
                                                           parallel: parallel, trace: &noTrace)
        let synthesis = Synthesis(shape: self)
        return synthesis.forward(features: Array(planes.joined()), parameters: networks.synthesis, parallel: parallel).image
    }
}
