extension Image {
    /// The image with every sample clamped to 0...1 and rounded to the nearest multiple of 1 / maxValue,
    /// i.e. exactly what writing and re-reading a file at `bitDepth` gives.
    public func quantized() -> Image {
        var copy = self
        copy.planes = planes.map { $0.quantized(maxValue: maxValue) }
        return copy
    }
}

extension Plane {
    /// The plane clamped to 0...1 and rounded to the grid of `maxValue` steps (NaN becomes 0).
    public func quantized(maxValue: Int) -> Plane {
        let scale = Float(maxValue)
        let levels = SampleLayout.normalisedLevels(maxValue: maxValue)
        var copy = self
        for i in copy.samples.indices {
            copy.samples[i] = levels[SampleLayout.quantize(samples[i], scale: scale)]
        }
        return copy
    }
}
