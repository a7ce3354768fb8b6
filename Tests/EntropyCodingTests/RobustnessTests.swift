import Testing
@testable import EntropyCoding

@Suite struct RobustnessTests {
    @Test func extremeParametersAndEscapesRoundTrip() throws {
        let extremes: [Int32] = [.min, .min + 1, -1_000_000, -4097, -1536, -1, 0, 1, 255, 256, 1536, 4097, 1_000_000, .max - 1, .max]
        for family in [QuantizedFamily.laplace16, .gaussian15, .logistic16] {
            var encoder = RangeEncoder()
            var coded: [(Int32, Int32, Int32)] = []
            for mean in extremes {
                for logScale in extremes {
                    for value in extremes + [mean >> 8, (mean >> 8) &+ 1, (mean >> 8) &- 3] {
                        encoder.encode(value, mean: mean, logScale: logScale, using: family)
                        coded.append((value, mean, logScale))
                    }
                }
            }
            var decoder = RangeDecoder(bytes: encoder.finish())
            for (value, mean, logScale) in coded {
                #expect(try decoder.decode(mean: mean, logScale: logScale, using: family) == value)
            }
        }
    }

    @Test func escapesCostAboutTheirExpGolombLength() {
        // A value 10^6 away from a mean with scale 1 is an escape: table escape symbol (~16 bits at most)
        // + sign + Exp-Golomb of the excess (~40 bits at order 0).
        let family = QuantizedFamily.laplace16
        let (_, frequency, escapeBits) = family.interval(of: 1_000_000, mean: 0, logScale: 0)
        #expect(frequency >= 1 && escapeBits > 30 && escapeBits < 45)
        var encoder = RangeEncoder()
        for _ in 0..<1000 { encoder.encode(1_000_000, mean: 0, logScale: 0, using: family) }
        let bitsPerValue = Double(encoder.finish().count * 8) / 1000
        #expect(abs(bitsPerValue - family.codeLength(of: 1_000_000, mean: 0, logScale: 0)) < 0.05)
    }

    @Test func emptyAndTruncatedStreamsStayInBounds() throws {
        // An empty stream reads as all zeros: slot 0 is the escape symbol, whose Exp-Golomb prefix of
        // zeros never ends, so decoding must stop with the typed error rather than loop.
        var empty = RangeDecoder(bytes: [])
        #expect(throws: EntropyDecodingError.expGolombPrefixTooLong(zeroCount: 35)) {
            try empty.decode(mean: 0, logScale: 0, using: .laplace16)
        }
        var emptyForTable = RangeDecoder(bytes: [])
        #expect(try emptyForTable.decode(using: CDFTable(normalizing: [3, 4, 5], precision: 16)) == 0)
        var encoder = RangeEncoder()
        var random = TestRandom(seed: 9)
        let values = (0..<5000).map { _ in Int32.random(in: -20...20, using: &random) }
        for value in values { encoder.encode(value, mean: 0, logScale: 1024, using: .laplace16) }
        let bytes = encoder.finish()
        for cut in [0, 1, 3, bytes.count / 2, bytes.count - 1] {
            var decoder = RangeDecoder(bytes: Array(bytes.prefix(cut)))
            var decodedAll = true
            for _ in values {
                do { _ = try decoder.decode(mean: 0, logScale: 1024, using: .laplace16) } catch { decodedAll = false; break }
            }
            // Either an error or garbage; a truncated stream reads zero padding past its end.
            #expect(!decodedAll || decoder.paddingBytesRead > 0)
        }
    }

    /// Random bytes through every decode path: values stay in their alphabets, errors are typed.
    @Test func garbageDecodesToErrorsOrInRangeValues() throws {
        var random = TestRandom(seed: 13)
        let table = try CDFTable(normalizing: [1, 5, 100, 3, 0, 7], precision: 15)
        var errors = 0
        for trial in 0..<300 {
            let bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            var decoder = RangeDecoder(bytes: bytes)
            var binary = AdaptiveBinaryModel()
            var symbols = AdaptiveSymbolModel(symbolCount: 9)!
            do {
                for step in 0..<200 {
                    switch (trial + step) % 6 {
                    case 0: #expect((0..<6).contains(try decoder.decode(using: table)))
                    case 1: #expect((0..<9).contains(try decoder.decode(using: &symbols)))
                    case 2: _ = try decoder.decode(using: &binary)
                    case 3: #expect(try decoder.decodeBits(count: 7) < 128)
                    case 4: _ = try decoder.decodeSignedExpGolomb(order: 2)
                    default: _ = try decoder.decode(mean: Int32(step * 300), logScale: Int32(step * 37 - 2000), using: .gaussian16)
                    }
                }
            } catch {
                errors += 1
            }
        }
        #expect(errors > 0, "random streams should sometimes be detected as corrupt")
    }
}
