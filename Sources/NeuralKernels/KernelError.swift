/// A layer was configured with a geometry the kernels cannot run.
public enum KernelError: Error, Equatable, CustomStringConvertible {
    /// A dimension, stride, padding or group count is out of range; the message says which.
    case invalidGeometry(String)

    public var description: String {
        switch self {
        case .invalidGeometry(let message): "invalid layer geometry: \(message)"
        }
    }
}
