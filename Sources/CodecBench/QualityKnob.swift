/// The one setting a codec is swept over: integer levels where a larger level means higher
/// quality and more bits (codecs driven by a quantiser expose `maximum - qp`).
public struct QualityKnob: Sendable {
    /// Every level the codec accepts.
    public var levels: ClosedRange<Int>
    /// The range spread over by `--points N`.
    public var sweep: ClosedRange<Int>
    /// How a level reads in tables, e.g. "q=75" or "qp=32".
    public var describe: @Sendable (Int) -> String

    public init(levels: ClosedRange<Int>, sweep: ClosedRange<Int>, describe: @escaping @Sendable (Int) -> String) {
        self.levels = levels
        self.sweep = sweep
        self.describe = describe
    }

    /// `count` levels spread evenly over the sweep range, lowest first, without repeats.
    public func sweepLevels(count: Int) -> [Int] {
        guard count > 1 else { return [(sweep.lowerBound + sweep.upperBound) / 2] }
        let span = Double(sweep.upperBound - sweep.lowerBound)
        var levels: [Int] = []
        for index in 0..<count {
            let level = sweep.lowerBound + Int((span * Double(index) / Double(count - 1)).rounded())
            if levels.last != level { levels.append(level) }
        }
        return levels
    }
}
