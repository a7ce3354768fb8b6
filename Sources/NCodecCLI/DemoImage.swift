import Foundation
import ImageCore

/// The demo's built-in picture: a deterministic procedural RGB image with smooth gradients (a sky),
/// sharp edges (a disc, a rectangle, a diagonal horizon), fine periodic texture (stripes) and
/// pseudo-random texture (grass), so it exercises every part of a codec. No files needed.
enum DemoImage {
    static func make(width: Int = 256, height: Int = 256) -> Image {
        var red = Plane(width: width, height: height)
        var green = red, blue = red
        var noise: UInt64 = 0x2545_F491_4F6C_DD1D
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                noise ^= noise << 13; noise ^= noise >> 7; noise ^= noise << 17
                let grain = Double(noise >> 40) / Double(1 << 24) - 0.5
                var rgb: (Double, Double, Double)
                let horizon = 0.62 + 0.12 * u - 0.05 * sin(9 * u)
                if v < horizon {
                    // Sky: vertical gradient with a warm glow on the left.
                    let glow = exp(-((u - 0.2) * (u - 0.2) + (v - 0.5) * (v - 0.5)) * 12)
                    rgb = (0.35 + 0.3 * v + 0.4 * glow, 0.5 + 0.25 * v + 0.25 * glow, 0.9 - 0.3 * v)
                } else {
                    // Grass: green with stripes and grain.
                    let stripes = 0.08 * sin(Double(x) * 0.9 + Double(y) * 0.35)
                    rgb = (0.2 + stripes + 0.12 * grain, 0.45 + 0.15 * (v - horizon) + stripes + 0.15 * grain, 0.15 + 0.08 * grain)
                }
                // A sun disc with a soft rim.
                let d = ((u - 0.72) * (u - 0.72) + (v - 0.25) * (v - 0.25)).squareRoot()
                if d < 0.11 { rgb = (0.98, 0.85 - 0.6 * d, 0.3) }
                // A house: a rectangle with a window grid.
                if u > 0.18, u < 0.42, v > 0.5, v < 0.8 {
                    let window = (Int(u * 60) % 4 == 0 || Int(v * 60) % 4 == 0) ? 0.15 : 0.0
                    rgb = (0.7 - window, 0.3 - window / 2, 0.25)
                }
                red[x, y] = Self.quantize(rgb.0)
                green[x, y] = Self.quantize(rgb.1)
                blue[x, y] = Self.quantize(rgb.2)
            }
        }
        return Image(colorModel: .rgb, bitDepth: 8, planes: [red, green, blue])!
    }

    private static func quantize(_ value: Double) -> Float {
        Float((min(max(value, 0), 1) * 255).rounded() / 255)
    }
}
