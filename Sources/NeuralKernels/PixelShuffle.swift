/// Rearrangements between channels and space (Shi et al. 2016, "sub-pixel convolution").
///
/// `shuffle`: `C * r^2` planes of `H x W` become `C` planes of `(H r) x (W r)` with
/// `output[c, y r + i, x r + j] = input[c r^2 + i r + j, y, x]`; `unshuffle` is its inverse.
/// Each is the other's backward pass (they are permutations).
public enum PixelShuffle {
    /// `input`: `channels * factor^2` planes of `height x width`; `output`: `channels` planes of
    /// `(height * factor) x (width * factor)`.
    public static func shuffle(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, factor: Int,
                               output: UnsafeMutablePointer<Float>) {
        permute(channels: channels, height: height, width: width, factor: factor) { packed, spread in
            output[spread] = input[packed]
        }
    }

    /// The inverse of ``shuffle(_:channels:height:width:factor:output:)``: `input` has `channels` planes
    /// of `(height * factor) x (width * factor)`, `output` gets `channels * factor^2` planes of `height x width`.
    public static func unshuffle(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int, factor: Int,
                                 output: UnsafeMutablePointer<Float>) {
        permute(channels: channels, height: height, width: width, factor: factor) { packed, spread in
            output[packed] = input[spread]
        }
    }

    /// Calls `body(packedIndex, spreadIndex)` for every sample, in parallel over output channels.
    private static func permute(channels: Int, height: Int, width: Int, factor: Int, _ body: (Int, Int) -> Void) {
        guard channels > 0, height > 0, width > 0, factor > 0 else { return }
        let r = factor, outWidth = width * r, plane = height * width
        Parallel.forEach(channels) { c in
            for i in 0..<r {
                for j in 0..<r {
                    let packedPlane = (c * r * r + i * r + j) * plane
                    for y in 0..<height {
                        for x in 0..<width {
                            body(packedPlane + y * width + x, c * plane * r * r + (y * r + i) * outWidth + x * r + j)
                        }
                    }
                }
            }
        }
    }
}
