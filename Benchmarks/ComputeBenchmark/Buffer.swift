/// A fixed-size Float buffer allocated once (zeroed), for the benchmark's composed model.
final class Buffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    convenience init(random count: Int, scale: Float, seed: UInt64) {
        self.init(count)
        var state = seed &* 6_364_136_223_846_793_005 &+ 1
        for i in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            pointer[i] = (Float(state >> 40) / 16_777_216 * 2 - 1) * scale
        }
    }

    deinit { pointer.deallocate() }

    var p: UnsafeMutablePointer<Float> { pointer }
    var c: UnsafePointer<Float> { UnsafePointer(pointer) }

    func zero() { pointer.update(repeating: 0, count: count) }

    func copy(from other: Buffer) { pointer.update(from: other.pointer, count: min(count, other.count)) }
}

/// A parameter vector with its gradient and Adam moments.
final class Parameter {
    let value: Buffer
    let gradient: Buffer
    let firstMoment: Buffer
    let secondMoment: Buffer

    init(_ count: Int, scale: Float, seed: UInt64) {
        value = Buffer(random: count, scale: scale, seed: seed)
        gradient = Buffer(count)
        firstMoment = Buffer(count)
        secondMoment = Buffer(count)
    }
}
