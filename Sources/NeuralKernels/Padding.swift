/// How samples outside a plane are defined.
public enum PaddingMode: Sendable, Equatable {
    /// Outside samples are 0.
    case zero
    /// Outside samples repeat the nearest edge sample.
    case replicate
    /// Outside samples mirror the plane without repeating the edge (`-1 -> 1`), as often as needed.
    case reflect
}

/// Padding of planar buffers and the matching gradient fold.
enum Padding {
    /// The in-plane index that padded index `i` reads, or nil for a zero sample. `n >= 1`.
    @inline(__always)
    static func sourceIndex(_ i: Int, _ n: Int, _ mode: PaddingMode) -> Int? {
        if i >= 0 && i < n { return i }
        switch mode {
        case .zero:
            return nil
        case .replicate:
            return i < 0 ? 0 : n - 1
        case .reflect:
            guard n > 1 else { return 0 }
            let period = 2 * (n - 1)
            var m = i % period
            if m < 0 { m += period }
            return m < n ? m : period - m
        }
    }

    /// Writes `channels` planes of `paddedHeight x paddedWidth` holding the input shifted by
    /// (`top`, `left`) and extended by `mode`.
    static func pad(_ input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                    top: Int, left: Int, paddedHeight: Int, paddedWidth: Int, mode: PaddingMode,
                    into output: UnsafeMutablePointer<Float>) {
        let planeIn = height * width, planeOut = paddedHeight * paddedWidth
        Parallel.forRanges(count: channels, grain: max(1, 65536 / max(1, planeOut))) { range in
            for c in range {
                let source = input + c * planeIn, target = output + c * planeOut
                for a in 0..<paddedHeight {
                    let row = target + a * paddedWidth
                    guard let sy = sourceIndex(a - top, height, mode) else {
                        row.update(repeating: 0, count: paddedWidth)
                        continue
                    }
                    let sourceRow = source + sy * width
                    for b in 0..<paddedWidth {
                        if let sx = sourceIndex(b - left, width, mode) { row[b] = sourceRow[sx] } else { row[b] = 0 }
                    }
                }
            }
        }
    }

    /// Adds (or writes, when `accumulate` is false) the gradient of a padded buffer into the
    /// gradient of the unpadded planes: every padded sample's gradient goes to the sample it read.
    static func fold(_ gradPadded: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                     top: Int, left: Int, paddedHeight: Int, paddedWidth: Int, mode: PaddingMode,
                     into gradInput: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let planeIn = height * width, planeOut = paddedHeight * paddedWidth
        Parallel.forRanges(count: channels, grain: max(1, 65536 / max(1, planeOut))) { range in
            for c in range {
                let source = gradPadded + c * planeOut, target = gradInput + c * planeIn
                if !accumulate { target.update(repeating: 0, count: planeIn) }
                for a in 0..<paddedHeight {
                    guard let sy = sourceIndex(a - top, height, mode) else { continue }
                    let row = source + a * paddedWidth, targetRow = target + sy * width
                    for b in 0..<paddedWidth {
                        if let sx = sourceIndex(b - left, width, mode) { targetRow[sx] += row[b] }
                    }
                }
            }
        }
    }
}
