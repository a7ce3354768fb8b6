/// An adaptive distribution over `symbolCount` symbols (header fields, small side-information alphabets).
///
/// Keeps a cumulative distribution `free` over `2^15 - n` units plus one unit per symbol, so every
/// symbol keeps frequency >= 1: symbol `i` owns `free[i] + i ..< free[i + 1] + i + 1`. After coding
/// symbol `s`, each boundary moves towards the observation (integer arithmetic, like AV1's CDF
/// adaptation): `free[i] -= free[i] >> shift` for `i <= s`, `free[i] += (F - free[i]) >> shift` for
/// `i > s`, with `F = 2^15 - n`. The shift is `min(adaptationShift, 4 + u / 16)` where `u` counts earlier
/// updates, so a fresh model learns quickly and then settles.
public struct AdaptiveSymbolModel: Sendable, Equatable {
    public static let precision = 15

    /// `symbolCount + 1` boundaries of the free mass, from 0 to `2^15 - symbolCount`.
    public private(set) var freeCumulative: [UInt32]
    public let adaptationShift: UInt32
    private var updateCount = 0

    public var symbolCount: Int { freeCumulative.count - 1 }

    /// A uniform model; `symbolCount` must be in 1...4096 (returns nil otherwise).
    public init?(symbolCount: Int, adaptationShift: Int = 7) {
        guard (1...4096).contains(symbolCount) else { return nil }
        let free = UInt64((1 << Self.precision) - symbolCount)
        freeCumulative = (0...symbolCount).map { UInt32(UInt64($0) * free / UInt64(symbolCount)) }
        self.adaptationShift = UInt32(min(max(adaptationShift, 4), 14))
    }

    func interval(of symbol: Int) -> (start: UInt32, frequency: UInt32) {
        let start = freeCumulative[symbol] + UInt32(symbol)
        return (start, freeCumulative[symbol + 1] + UInt32(symbol) + 1 - start)
    }

    mutating func update(with symbol: Int) {
        let shift = min(adaptationShift, 4 + UInt32(truncatingIfNeeded: min(updateCount, 1024) >> 4))
        updateCount += 1
        let total = freeCumulative[symbolCount]
        for index in 1..<symbolCount {
            if index <= symbol {
                freeCumulative[index] -= freeCumulative[index] >> shift
            } else {
                freeCumulative[index] += (total - freeCumulative[index]) >> shift
            }
        }
    }
}

extension RangeEncoder {
    /// Codes `symbol` (in `0 ..< model.symbolCount`; a programming error otherwise), then adapts.
    public mutating func encode(_ symbol: Int, using model: inout AdaptiveSymbolModel) {
        precondition(symbol >= 0 && symbol < model.symbolCount, "symbol \(symbol) outside the model's alphabet")
        let (start, frequency) = model.interval(of: symbol)
        encode(start: start, frequency: frequency, precision: AdaptiveSymbolModel.precision)
        model.update(with: symbol)
    }
}

extension RangeDecoder {
    /// Decodes a symbol coded with `model` (always in range), then adapts exactly as the encoder did.
    public mutating func decode(using model: inout AdaptiveSymbolModel) throws(EntropyDecodingError) -> Int {
        let target = slot(precision: AdaptiveSymbolModel.precision)
        var symbol = 0
        while symbol + 1 < model.symbolCount, model.freeCumulative[symbol + 1] + UInt32(symbol + 1) <= target {
            symbol += 1
        }
        let (start, frequency) = model.interval(of: symbol)
        try consume(start: start, frequency: frequency, precision: AdaptiveSymbolModel.precision)
        model.update(with: symbol)
        return symbol
    }
}
