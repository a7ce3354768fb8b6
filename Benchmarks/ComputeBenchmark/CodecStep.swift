import Dispatch
import Foundation
import ImageCore
import OverfittedCodec

/// Times the real overfitted codec's training step (OverfittedCodec, `high` complexity: ARM over
/// 20 neighbours, synthesis 48 wide) on a 768x512 image: the median interval between consecutive
/// main-phase progress reports of a short encode (one report per step).
enum CodecStep {
    static func milliseconds(steps: Int, threads: Int) -> Double? {
        let width = 768, height = 512
        let planes = (0..<3).map { c in
            Plane(width: width, height: height, samples: (0..<width * height).map { k in
                let x = Float(k % width), y = Float(k / width)
                return 0.5 + 0.4 * sinf(x * 0.05 * Float(c + 1)) * cosf(y * 0.03)
            }) ?? Plane(width: width, height: height)
        }
        guard let image = Image(colorModel: .rgb, bitDepth: 8, planes: planes) else { return nil }
        let configuration = EncoderConfiguration(lambda: 1e-3, preset: .iterations(steps), complexity: .high,
                                                 threads: threads, seed: 1)
        var stamps = [UInt64]()
        _ = try? OverfittedEncoder(configuration: configuration).encode(image) { report in
            if report.phase == .main { stamps.append(DispatchTime.now().uptimeNanoseconds) }
        }
        guard stamps.count >= 3 else { return nil }
        let intervals = zip(stamps.dropFirst(), stamps).map { Double($0 - $1) / 1e6 }.sorted()
        return intervals[intervals.count / 2]
    }
}
