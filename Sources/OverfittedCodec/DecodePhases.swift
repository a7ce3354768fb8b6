/// Wall-clock seconds of each phase of one ``OverfittedDecoder`` run (reported by
/// `ncodec decode --timing`). The phases run one after the other, so they add up to the decode time.
public struct DecodePhases: Sendable, Equatable {
    /// Header parsing and network parameter decoding.
    public var parse: Double = 0
    /// Entropy-model (ARM) evaluation of every latent.
    public var arm: Double = 0
    /// Range decoding of the latents, including the Laplace tables built on first use.
    public var rangeDecoding: Double = 0
    /// Up-sampling of the latent grids to full resolution.
    public var upsampling: Double = 0
    /// Synthesis network (1x1 layers and 3x3 residual layers).
    public var synthesis: Double = 0
    /// Clamping and rounding to the output bit depth.
    public var output: Double = 0

    public init() {}

    /// Sum of the phases.
    public var total: Double { parse + arm + rangeDecoding + upsampling + synthesis + output }

    /// Seconds since `start`, and restarts it.
    static func lap(_ start: inout ContinuousClock.Instant) -> Double {
        let now = ContinuousClock.now
        let elapsed = now - start
        start = now
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
