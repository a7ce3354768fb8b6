/// One channel of an image: `width * height` Float32 samples in row-major order.
///
/// Samples are normalised so that 0 is black and 1 is the largest value of the source bit depth
/// (an 8-bit value `v` is stored as `Float(v) / 255`).
public struct Plane: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major samples; `samples[y * width + x]`.
    public var samples: [Float]

    /// A plane filled with `value`.
    public init(width: Int, height: Int, value: Float = 0) {
        self.width = width
        self.height = height
        self.samples = [Float](repeating: value, count: width * height)
    }

    /// A plane over existing samples; returns nil when the count does not match the size.
    public init?(width: Int, height: Int, samples: [Float]) {
        guard width >= 0, height >= 0, samples.count == width * height else { return nil }
        self.width = width
        self.height = height
        self.samples = samples
    }

    /// A plane over samples whose count the caller has already matched to the size.
    init(width: Int, height: Int, checkedSamples samples: [Float]) {
        self.width = width
        self.height = height
        self.samples = samples
    }

    public subscript(x: Int, y: Int) -> Float {
        get { samples[y * width + x] }
        set { samples[y * width + x] = newValue }
    }
}
