import Testing
@testable import EntropyCoding

/// A committed fingerprint of a stream that exercises every coding path. Any platform, compiler or
/// optimisation difference in what the coder writes (or in the tables) changes it.
@Suite struct GoldenStreamTests {
    static func goldenStream() throws -> [UInt8] {
        var random = TestRandom(seed: 2026)
        var encoder = RangeEncoder()
        var binary = AdaptiveBinaryModel()
        var symbols = AdaptiveSymbolModel(symbolCount: 10)!
        let table = try CDFTable(normalizing: [10, 1, 300, 44, 0, 7, 7000], precision: 15)
        let families: [QuantizedFamily] = [.laplace16, .laplace15, .gaussian16, .gaussian15, .logistic16, .logistic15]
        for index in 0..<20_000 {
            let family = families[index % families.count]
            let mean = Int32(random.integer(in: -5000...5000))
            let logScale = Int32(random.integer(in: -1700...1700))
            let value = Int32(random.integer(in: -3...3)) &* Int32(random.integer(in: 0...40)) &+ (mean >> 8)
            encoder.encode(value, mean: mean, logScale: logScale, using: family)
            switch index % 7 {
            case 0: encoder.encode(random.integer(in: 0...6), using: table)
            case 1: encoder.encode(random.next() & 1 == 1, using: &binary)
            case 2: encoder.encode(random.integer(in: 0...9) / 3, using: &symbols)
            case 3: encoder.encodeBits(UInt32(random.integer(in: 0...0xFFFFF)), count: 20)
            case 4: encoder.encodeExpGolomb(UInt32(random.integer(in: 0...5000)), order: 3)
            case 5: encoder.encodeSignedExpGolomb(Int32(random.integer(in: -9000...9000)), order: 0)
            default: encoder.encodeBit(random.next() & 1 == 1)
            }
        }
        return encoder.finish()
    }

    @Test func streamMatchesGoldenFingerprint() throws {
        let bytes = try Self.goldenStream()
        #expect(bytes.count == 69302)
        #expect(fnv1a(bytes) == 0x66ad_c52e_2751_6a5a, "fingerprint \(String(fnv1a(bytes), radix: 16))")
    }
}
