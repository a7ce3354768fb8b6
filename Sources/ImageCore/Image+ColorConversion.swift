extension Image {
    /// The image in another color model, using `matrix` between RGB and YCbCr (full range).
    ///
    /// Supported: RGB <-> YCbCr, gray -> RGB (replicated), RGB -> gray (luma of `matrix`), and the identity.
    /// Samples are not clamped: YCbCr -> RGB of arbitrary planes may leave 0...1.
    public func converted(to target: ColorModel, matrix: ColorMatrix = .bt709) -> Image {
        switch (colorModel, target) {
        case (.rgb, .yCbCr): return replacingPlanes(Self.yCbCrPlanes(rgb: planes, matrix: matrix), model: .yCbCr)
        case (.yCbCr, .rgb): return replacingPlanes(Self.rgbPlanes(yCbCr: planes, matrix: matrix), model: .rgb)
        case (.rgb, .gray): return replacingPlanes([Self.lumaPlane(rgb: planes, matrix: matrix)], model: .gray)
        case (.yCbCr, .gray): return replacingPlanes([planes[0]], model: .gray)
        case (.gray, .rgb): return replacingPlanes([planes[0], planes[0], planes[0]], model: .rgb)
        case (.gray, .yCbCr):
            let neutral = Plane(width: width, height: height, value: 0.5)
            return replacingPlanes([planes[0], neutral, neutral], model: .yCbCr)
        default: return self
        }
    }

    /// Luma (Y) of an RGB image under `matrix`; the single plane of a gray image; Y of a YCbCr image.
    public func luma(matrix: ColorMatrix = .bt709) -> Plane {
        colorModel == .rgb ? Self.lumaPlane(rgb: planes, matrix: matrix) : planes[0]
    }

    private func replacingPlanes(_ newPlanes: [Plane], model: ColorModel) -> Image {
        var copy = self
        copy.colorModel = model
        copy.planes = newPlanes
        return copy
    }

    static func lumaPlane(rgb: [Plane], matrix: ColorMatrix) -> Plane {
        let kr = Float(matrix.kr), kg = Float(matrix.kg), kb = Float(matrix.kb)
        let (r, g, b) = (rgb[0].samples, rgb[1].samples, rgb[2].samples)
        var y = [Float](repeating: 0, count: r.count)
        for i in 0..<r.count { y[i] = kr * r[i] + kg * g[i] + kb * b[i] }
        return Plane(width: rgb[0].width, height: rgb[0].height, checkedSamples: y)
    }

    static func yCbCrPlanes(rgb: [Plane], matrix: ColorMatrix) -> [Plane] {
        let kr = Float(matrix.kr), kg = Float(matrix.kg), kb = Float(matrix.kb)
        let cbScale = Float(0.5 / (1 - matrix.kb)), crScale = Float(0.5 / (1 - matrix.kr))
        let (r, g, b) = (rgb[0].samples, rgb[1].samples, rgb[2].samples)
        var y = r, cb = r, cr = r
        for i in 0..<r.count {
            let luma = kr * r[i] + kg * g[i] + kb * b[i]
            y[i] = luma
            cb[i] = (b[i] - luma) * cbScale + 0.5
            cr[i] = (r[i] - luma) * crScale + 0.5
        }
        let (width, height) = (rgb[0].width, rgb[0].height)
        return [y, cb, cr].map { Plane(width: width, height: height, checkedSamples: $0) }
    }

    static func rgbPlanes(yCbCr: [Plane], matrix: ColorMatrix) -> [Plane] {
        let crToR = Float(2 * (1 - matrix.kr)), cbToB = Float(2 * (1 - matrix.kb))
        let kr = Float(matrix.kr), kb = Float(matrix.kb), inverseKg = Float(1 / matrix.kg)
        let (y, cb, cr) = (yCbCr[0].samples, yCbCr[1].samples, yCbCr[2].samples)
        var r = y, g = y, b = y
        for i in 0..<y.count {
            let red = y[i] + crToR * (cr[i] - 0.5)
            let blue = y[i] + cbToB * (cb[i] - 0.5)
            r[i] = red
            b[i] = blue
            g[i] = (y[i] - kr * red - kb * blue) * inverseKg
        }
        let (width, height) = (yCbCr[0].width, yCbCr[0].height)
        return [r, g, b].map { Plane(width: width, height: height, checkedSamples: $0) }
    }
}
