/// One progress report of the encoder.
public struct EncodeProgress: Sendable {
    public enum Phase: String, Sendable {
        /// Trying several random initialisations (on the image down-sampled by two when the schedule
        /// has a ``halfResolution`` phase; loss, bpp and PSNR are then those of that image).
        case warmUp = "warm-up"
        /// The best initialisation trained further on the image down-sampled by two (loss, bpp and
        /// PSNR of that image, its rate per half-resolution pixel).
        case halfResolution = "half-res"
        /// Soft rounding plus noise, annealed.
        case main
        /// Hard rounding, only the networks learn.
        case straightThrough = "final"
        /// Rate-distortion optimised rounding of the latents (``EncoderConfiguration/refineLatents``);
        /// the iterations count the grids, coarsest first.
        case rounding
        /// Quantising the networks and writing the bitstream.
        case coding
    }

    public var phase: Phase
    /// 1-based iteration within the whole schedule (warm-up included) and the total.
    public var iteration: Int
    public var totalIterations: Int
    /// Training loss `MSE + lambda * bpp`, the training-time rate and the PSNR of the training proxy.
    public var loss: Double
    public var bitsPerPixel: Double
    public var psnr: Double
}
