/// What reading does with an alpha channel (PNG gray+alpha, RGBA, or a tRNS chunk).
public enum AlphaPolicy: Sendable {
    /// Fail with ``ImageIOError/alphaChannelPresent``.
    case reject
    /// Discard the alpha channel and keep the color samples as stored (no compositing).
    case drop
}
