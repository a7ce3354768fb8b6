import Foundation
import ImageCore

/// An RGB image as integer samples (interleaved order row, column, channel), with the integer
/// distortions of Fixtures/make_fixtures.py re-implemented exactly.
struct IntegerImage {
    var width: Int
    var height: Int
    var maxValue: Int
    /// samples[(y * width + x) * 3 + c]
    var samples: [Int]

    init(width: Int, height: Int, maxValue: Int, samples: [Int]) {
        self.width = width
        self.height = height
        self.maxValue = maxValue
        self.samples = samples
    }

    init(_ image: Image, crop: [Int]?) {
        let (x0, y0, w, h) = crop.map { ($0[0], $0[1], $0[2], $0[3]) } ?? (0, 0, image.width, image.height)
        width = w
        height = h
        maxValue = image.maxValue
        samples = [Int](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    samples[(y * w + x) * 3 + c] = Int((image.planes[c][x0 + x, y0 + y] * Float(maxValue)).rounded())
                }
            }
        }
    }

    var image: Image {
        let planes = (0..<3).map { c in
            Plane(width: width, height: height,
                  samples: (0..<(width * height)).map { Float(samples[$0 * 3 + c]) / Float(maxValue) })!
        }
        return Image(colorModel: .rgb, bitDepth: maxValue > 255 ? 16 : 8, planes: planes)!
    }

    /// Adds noise in -amplitude...amplitude from the 32-bit LCG x' = 1664525 x + 1013904223, one draw per sample.
    func noisy(amplitude: Int, seed: UInt32) -> IntegerImage {
        var copy = self
        var state = seed
        let span = UInt32(2 * amplitude + 1)
        for i in copy.samples.indices {
            state = state &* 1_664_525 &+ 1_013_904_223
            let noise = Int((state >> 8) % span) - amplitude
            copy.samples[i] = min(max(samples[i] + noise, 0), maxValue)
        }
        return copy
    }

    /// 3x3 mean with edge replication, rounded: (sum + 4) / 9.
    func blurred() -> IntegerImage {
        var copy = self
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    var sum = 0
                    for dy in -1...1 {
                        for dx in -1...1 {
                            let yy = min(max(y + dy, 0), height - 1), xx = min(max(x + dx, 0), width - 1)
                            sum += samples[(yy * width + xx) * 3 + c]
                        }
                    }
                    copy.samples[(y * width + x) * 3 + c] = (sum + 4) / 9
                }
            }
        }
        return copy
    }

    func posterized(shift: Int) -> IntegerImage {
        var copy = self
        copy.samples = samples.map { min((($0 >> shift) << shift) + (1 << (shift - 1)), 255) }
        return copy
    }

    /// 16-bit spread: v * 257 + (7x + 13y + 5c) % 257, clamped.
    func spreadTo16Bit() -> IntegerImage {
        var copy = self
        copy.maxValue = 65535
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<3 {
                    let i = (y * width + x) * 3 + c
                    copy.samples[i] = min(samples[i] * 257 + (7 * x + 13 * y + 5 * c) % 257, 65535)
                }
            }
        }
        return copy
    }
}
