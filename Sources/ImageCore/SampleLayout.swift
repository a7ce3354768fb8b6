/// Conversion between normalised planes and interleaved integer samples, as files store them.
enum SampleLayout {
    /// Interleaves the planes' samples, quantised to `maxValue`, as big-endian 8- or 16-bit integers.
    static func interleavedBigEndian(_ image: Image) -> [UInt8] {
        let channels = image.planes.count
        let pixelCount = image.width * image.height
        let bytesPerSample = image.bitDepth == 16 ? 2 : 1
        let scale = Float(image.maxValue)
        let byteCount = pixelCount * channels * bytesPerSample
        return [UInt8](unsafeUninitializedCapacity: byteCount) { out, count in
            for (channel, plane) in image.planes.enumerated() {
                plane.samples.withUnsafeBufferPointer { samples in
                    // One loop per sample size, so that the per-sample work is the quantisation alone.
                    var position = channel * bytesPerSample
                    let stride = channels * bytesPerSample
                    if bytesPerSample == 2 {
                        for index in 0..<pixelCount {
                            let value = quantize(samples[index], scale: scale)
                            out[position] = UInt8(truncatingIfNeeded: value >> 8)
                            out[position + 1] = UInt8(truncatingIfNeeded: value)
                            position += stride
                        }
                    } else {
                        for index in 0..<pixelCount {
                            out[position] = UInt8(truncatingIfNeeded: quantize(samples[index], scale: scale))
                            position += stride
                        }
                    }
                }
            }
            count = byteCount
        }
    }

    /// Splits interleaved big-endian samples into planes normalised by `maxValue`.
    static func planes(
        fromBigEndian bytes: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
        channels: Int, bytesPerSample: Int, maxValue: Int
    ) -> [Plane] {
        let pixelCount = width * height
        let levels = normalisedLevels(maxValue: maxValue)
        return (0..<channels).map { channel in
            var samples = [Float](repeating: 0, count: pixelCount)
            samples.withUnsafeMutableBufferPointer { out in
                for index in 0..<pixelCount {
                    let position = (index * channels + channel) * bytesPerSample
                    let value = bytesPerSample == 2
                        ? Int(bytes[position]) << 8 | Int(bytes[position + 1])
                        : Int(bytes[position])
                    out[index] = levels[min(value, maxValue)]
                }
            }
            return Plane(width: width, height: height, checkedSamples: samples)
        }
    }

    /// `Float(v) / Float(maxValue)` for every integer `v` in `0...maxValue`: the canonical normalised samples.
    static func normalisedLevels(maxValue: Int) -> [Float] {
        let denominator = Float(maxValue)
        return (0...maxValue).map { Float($0) / denominator }
    }

    /// Rounds a normalised sample to the nearest integer of `0...scale` (NaN maps to 0).
    @inline(__always)
    static func quantize(_ sample: Float, scale: Float) -> Int {
        let scaled = sample * scale
        guard scaled > 0 else { return 0 }
        guard scaled < scale else { return Int(scale) }
        return Int(scaled + 0.5)
    }
}
