/// A dense Float32 tensor in N x C x H x W layout, row-major: element `(n, c, y, x)` is at
/// `((n * channels + c) * height + y) * width + x`. Each channel of each batch item is one
/// contiguous plane ("planar" layout), which is what every kernel in this module reads and writes.
///
/// A matrix of `rows x features` used by ``Linear`` is stored feature-major as a tensor of
/// `channels = features`, `height = 1`, `width = rows` (one plane per feature).
public struct Tensor: Sendable, Equatable {
    /// Number of batch items (1 for the overfitted codec).
    public private(set) var batch: Int
    /// Number of channels (planes) per batch item.
    public private(set) var channels: Int
    /// Rows per plane.
    public private(set) var height: Int
    /// Samples per row.
    public private(set) var width: Int
    /// The samples, `count` of them, in the layout documented on the type.
    public var storage: [Float]

    /// A tensor filled with `value`. Negative dimensions are treated as zero.
    public init(batch: Int = 1, channels: Int, height: Int, width: Int, repeating value: Float = 0) {
        self.batch = max(0, batch)
        self.channels = max(0, channels)
        self.height = max(0, height)
        self.width = max(0, width)
        storage = [Float](repeating: value, count: self.batch * self.channels * self.height * self.width)
    }

    /// Wraps `storage`; returns `nil` when its count is not `batch * channels * height * width`.
    public init?(batch: Int = 1, channels: Int, height: Int, width: Int, storage: [Float]) {
        guard batch >= 0, channels >= 0, height >= 0, width >= 0,
              storage.count == batch * channels * height * width else { return nil }
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.storage = storage
    }

    /// Samples per plane (`height * width`).
    public var planeSize: Int { height * width }
    /// Total number of samples.
    public var count: Int { storage.count }

    /// Reads or writes sample `(n, c, y, x)`; indices are not checked beyond the array's own bounds check.
    public subscript(n: Int, c: Int, y: Int, x: Int) -> Float {
        get { storage[((n * channels + c) * height + y) * width + x] }
        set { storage[((n * channels + c) * height + y) * width + x] = newValue }
    }

    /// Sample `(c, y, x)` of batch item 0.
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { storage[(c * height + y) * width + x] }
        set { storage[(c * height + y) * width + x] = newValue }
    }
}
