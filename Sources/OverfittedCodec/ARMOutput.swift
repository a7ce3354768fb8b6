/// How the ARM's two outputs become Laplace parameters: the mean as is, the log-scale (natural log
/// of the Laplace scale) clamped to ``logScaleRange``. The same bounds hold in the float ARM used for
/// training and in Q8 in the ``FixedPointARM``.
enum ARMOutput {
    /// Bounds of the log-scale: scales from about 0.011 to 148.
    static let logScaleRange: ClosedRange<Float> = -4.5...5.0
}
