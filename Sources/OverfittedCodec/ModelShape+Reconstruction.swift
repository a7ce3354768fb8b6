extension ModelShape {
    /// Output rows the decoder up-samples and synthesises at a time (``reconstruct(latents:networks:parallel:phases:clock:emit:)``).
    static let decodeBandRows = 64

    /// The decoder's image from integer latents (as Float, all grids, finest first) and dequantised
    /// networks, handed to `emit` a band of rows at a time: `emit(rows, channel, samples)` gets
    /// channel `channel`'s rows `rows` (`rows.count * width` samples, not yet clamped to [0, 1] nor
    /// quantised), every channel of a band before the next band. Records the up-sampling and
    /// synthesis times in `phases`, and `emit`'s as its output time (laps of `clock`).
    ///
    /// The grids are up-sampled to half resolution whole; the last x2 step and the synthesis then go
    /// by bands of ``decodeBandRows`` rows, each with the rows the 3x3 layers reach around it (its
    /// tile; the synthesis's outputs on a tile are the whole image's wherever the 3x3 layers do not
    /// reach the tile's inner edges). The values are those of the whole-image passes, while the
    /// full-resolution planes (one per grid, and the synthesis's intermediate planes) never exist
    /// beyond one tile: memory the process would otherwise have to fault in and clear.
    func reconstruct(latents: consuming [Float], networks: NetworkParameters, parallel: ParallelChunks,
                     phases: inout DecodePhases, clock: inout ContinuousClock.Instant,
                     emit: (_ rows: Range<Int>, _ channel: Int, _ samples: UnsafeBufferPointer<Float>) -> Void) {
        var noFilterTrace: PreConcatenationFilter.Trace? = nil
        // The latents' storage is released once filtered (`consuming`).
        let grids = architecture.preFilter
            ? PreConcatenationFilter(geometry: geometry).forward(latents: consume latents, values: networks.upsampling[upsampler.preFilter],
                                                                 parallel: parallel, trace: &noFilterTrace)
            : latents
        let upsampler = Upsampler(geometry: geometry)
        let stack = upsampler.stackBeforeLastStep(latents: grids, kernels: networks.upsampling, parallel: parallel)
        phases.upsampling = DecodePhases.lap(&clock)
        phases.synthesis = 0
        phases.output = 0
        let width = geometry.width, height = geometry.height
        let channels = architecture.outputChannels, reach = architecture.residualLayers
        let synthesis = Synthesis(shape: self)
        for top in stride(from: 0, to: height, by: Self.decodeBandRows) {
            let band = top..<min(height, top + Self.decodeBandRows)
            let tile = max(0, band.lowerBound - reach)..<min(height, band.upperBound + reach)
            let features = upsampler.finestRows(tile, stack: stack, latents: grids, kernels: networks.upsampling,
                                                parallel: parallel)
            phases.upsampling += DecodePhases.lap(&clock)
            let tileOutput = synthesis.resized(width: width, height: tile.count)
                .output(features: consume features, parameters: networks.synthesis, parallel: parallel)
            phases.synthesis += DecodePhases.lap(&clock)
            let skipped = (band.lowerBound - tile.lowerBound) * width, count = band.count * width
            tileOutput.withUnsafeBufferPointer { samples in
                for channel in 0..<channels {
                    let from = channel * tile.count * width + skipped
                    emit(band, channel, UnsafeBufferPointer(rebasing: samples[from..<(from + count)]))
                }
            }
            phases.output += DecodePhases.lap(&clock)
        }
    }
}
