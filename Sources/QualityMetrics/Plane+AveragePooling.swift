import ImageCore

extension Plane {
    /// 2x2 average pooling as between MS-SSIM scales in pytorch-msssim: `avg_pool2d(kernel 2,
    /// padding = size % 2)` per axis. An odd axis gets one zero sample before its start (the window
    /// pairs samples 2i-1 and 2i) and every window divides by 4, zeros included.
    func averagePooled2x() -> Plane {
        let oddRows = height % 2, oddColumns = width % 2
        let outWidth = (width + oddColumns) / 2, outHeight = (height + oddRows) / 2
        var out = Plane(width: outWidth, height: outHeight)
        samples.withUnsafeBufferPointer { source in
            out.samples.withUnsafeMutableBufferPointer { target in
                for row in 0..<outHeight {
                    let top = 2 * row - oddRows
                    for column in 0..<outWidth {
                        let left = 2 * column - oddColumns
                        var sum: Float = 0
                        for y in top...(top + 1) where y >= 0 {
                            for x in left...(left + 1) where x >= 0 { sum += source[y * width + x] }
                        }
                        target[row * outWidth + column] = sum * 0.25
                    }
                }
            }
        }
        return out
    }
}
