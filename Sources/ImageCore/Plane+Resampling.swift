extension Plane {
    /// Half-size plane for 4:2:0 chroma: each output sample is the mean of a 2x2 block (chroma sited at
    /// the block centre). Odd sizes round up; the missing row/column repeats the last one.
    public func downsampled2x() -> Plane {
        let outWidth = (width + 1) / 2, outHeight = (height + 1) / 2
        var out = [Float](repeating: 0, count: outWidth * outHeight)
        for y in 0..<outHeight {
            let y0 = 2 * y, y1 = min(2 * y + 1, height - 1)
            for x in 0..<outWidth {
                let x0 = 2 * x, x1 = min(2 * x + 1, width - 1)
                let sum = samples[y0 * width + x0] + samples[y0 * width + x1]
                    + samples[y1 * width + x0] + samples[y1 * width + x1]
                out[y * outWidth + x] = sum * 0.25
            }
        }
        return Plane(width: outWidth, height: outHeight, checkedSamples: out)
    }

    /// Plane of `width x height` (at most twice this plane's size) by bilinear interpolation with
    /// centre-sited samples (weights 3/4 and 1/4), the inverse arrangement of ``downsampled2x()``;
    /// edges repeat the border sample.
    public func upsampled2x(width outWidth: Int, height outHeight: Int) -> Plane {
        guard width > 0, height > 0 else { return Plane(width: max(outWidth, 0), height: max(outHeight, 0)) }
        let horizontal = Self.upsampleTaps(count: outWidth, sourceCount: width)
        let vertical = Self.upsampleTaps(count: outHeight, sourceCount: height)
        var out = [Float](repeating: 0, count: outWidth * outHeight)
        for y in 0..<outHeight {
            let (near, far) = vertical[y]
            for x in 0..<outWidth {
                let (left, right) = horizontal[x]
                let nearValue = 0.75 * samples[near * width + left] + 0.25 * samples[near * width + right]
                let farValue = 0.75 * samples[far * width + left] + 0.25 * samples[far * width + right]
                out[y * outWidth + x] = 0.75 * nearValue + 0.25 * farValue
            }
        }
        return Plane(width: outWidth, height: outHeight, checkedSamples: out)
    }

    /// For each output index: the nearest source sample (weight 3/4) and the next nearest (weight 1/4).
    private static func upsampleTaps(count: Int, sourceCount: Int) -> [(Int, Int)] {
        (0..<count).map { index in
            let near = min(index / 2, sourceCount - 1)
            let far = index % 2 == 0 ? near - 1 : near + 1
            return (near, max(0, min(far, sourceCount - 1)))
        }
    }
}
