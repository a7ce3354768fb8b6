import Testing
@testable import EntropyCoding

@Suite struct RangeCoderTests {
    @Test func emptyStreamIsZeroBytes() {
        var encoder = RangeEncoder()
        #expect(encoder.finish().isEmpty)
    }

    @Test(arguments: [1, 8, 15, 16])
    func randomStaticTablesRoundTrip(precision: Int) throws {
        var random = TestRandom(seed: UInt64(precision))
        let tables = try (0..<32).map { _ in
            let size = Int.random(in: 1...min(300, 1 << precision), using: &random)
            let counts = (0..<size).map { _ in UInt64.random(in: 0...1000, using: &random) * UInt64.random(in: 0...1, using: &random) }
            return try CDFTable(normalizing: counts, precision: precision)
        }
        for table in tables {
            #expect(table.cumulative.first == 0 && table.cumulative.last == 1 << UInt32(precision))
            #expect(zip(table.cumulative, table.cumulative.dropFirst()).allSatisfy { $0 < $1 })
        }
        var encoder = RangeEncoder()
        var coded: [(Int, Int)] = []
        for _ in 0..<100_000 {
            let tableIndex = Int.random(in: 0..<tables.count, using: &random)
            let symbol = Int.random(in: 0..<tables[tableIndex].symbolCount, using: &random)
            coded.append((tableIndex, symbol))
            encoder.encode(symbol, using: tables[tableIndex])
        }
        var decoder = RangeDecoder(bytes: encoder.finish())
        for (tableIndex, symbol) in coded {
            #expect(try decoder.decode(using: tables[tableIndex]) == symbol)
        }
    }

    @Test func tableRejectsInvalidFrequencies() {
        #expect(throws: CDFTableError.zeroFrequency(symbol: 1)) { try CDFTable(frequencies: [65535, 0, 1], precision: 16) }
        #expect(throws: CDFTableError.frequenciesDoNotSumToTotal(sum: 3, total: 65536)) { try CDFTable(frequencies: [1, 2], precision: 16) }
        #expect(throws: CDFTableError.unsupportedPrecision(17)) { try CDFTable(frequencies: [1], precision: 17) }
        #expect(throws: CDFTableError.tooManySymbols(count: 5, precision: 2)) { try CDFTable(normalizing: [1, 1, 1, 1, 1], precision: 2) }
    }

    @Test func bitsAndExpGolombRoundTrip() throws {
        var random = TestRandom(seed: 7)
        var encoder = RangeEncoder()
        var expected: [(kind: Int, value: Int64, parameter: Int)] = []
        for _ in 0..<50_000 {
            let kind = Int.random(in: 0..<3, using: &random)
            switch kind {
            case 0:
                let count = Int.random(in: 0...32, using: &random)
                let value = count == 0 ? 0 : UInt32.random(in: 0...UInt32.max, using: &random) >> UInt32(32 - count)
                encoder.encodeBits(value, count: count)
                expected.append((0, Int64(value), count))
            case 1:
                let order = Int.random(in: 0...16, using: &random)
                let value = UInt32.random(in: 0...UInt32.max, using: &random) >> UInt32.random(in: 0...32, using: &random)
                encoder.encodeExpGolomb(value, order: order)
                expected.append((1, Int64(value), order))
            default:
                let order = Int.random(in: 0...16, using: &random)
                let value = Int32(truncatingIfNeeded: Int64.random(in: Int64(Int32.min)...Int64(Int32.max), using: &random) >> Int64.random(in: 0...32, using: &random))
                encoder.encodeSignedExpGolomb(value, order: order)
                expected.append((2, Int64(value), order))
            }
        }
        for extreme in [Int32.min, Int32.max, 0, -1, 1] {
            encoder.encodeSignedExpGolomb(extreme, order: 0)
            expected.append((2, Int64(extreme), 0))
        }
        encoder.encodeExpGolomb(UInt32.max, order: 0)
        expected.append((1, Int64(UInt32.max), 0))
        var decoder = RangeDecoder(bytes: encoder.finish())
        for item in expected {
            switch item.kind {
            case 0: #expect(try Int64(decoder.decodeBits(count: item.parameter)) == item.value)
            case 1: #expect(try Int64(decoder.decodeExpGolomb(order: item.parameter)) == item.value)
            default: #expect(try Int64(decoder.decodeSignedExpGolomb(order: item.parameter)) == item.value)
            }
        }
    }

    @Test func expGolombCostsTheTextbookLength() {
        // Exp-Golomb order k of v takes 2 * floor(log2(v + 2^k)) - k + 1 bits; bypass bits are exact,
        // so n codes of the same value cost n times that, to within the final flush.
        var encoder = RangeEncoder()
        for _ in 0..<8000 { encoder.encodeExpGolomb(5, order: 1) }  // 5 + 2 = 0b111: 2 * 2 - 1 + 1 = 4 bits
        #expect(encoder.finish().count == 4000)
    }

    @Test func adaptiveModelsRoundTripAndLearn() throws {
        var random = TestRandom(seed: 3)
        var encoder = RangeEncoder()
        var binary = AdaptiveBinaryModel()
        var symbols = try #require(AdaptiveSymbolModel(symbolCount: 12))
        var bits: [Bool] = []
        var values: [Int] = []
        for _ in 0..<40_000 {
            let bit = Double.random(in: 0..<1, using: &random) < 0.05
            let value = Double.random(in: 0..<1, using: &random) < 0.7 ? 3 : Int.random(in: 0..<12, using: &random)
            bits.append(bit)
            values.append(value)
            encoder.encode(bit, using: &binary)
            encoder.encode(value, using: &symbols)
        }
        let bytes = encoder.finish()
        // Entropy: H(0.05) = 0.286 bits, H(symbol) = 0.725 * -log2(0.725) + 11 * (0.025 * -log2(0.025)) = 1.800 bits.
        // The adaptive models pay a learning cost of a few hundredths of a bit.
        let bitsPerPair = Double(bytes.count * 8) / 40_000
        #expect(bitsPerPair > 0.286 + 1.800 && bitsPerPair < 0.286 + 1.800 + 0.06)
        var decoder = RangeDecoder(bytes: bytes)
        var decodeBinary = AdaptiveBinaryModel()
        var decodeSymbols = try #require(AdaptiveSymbolModel(symbolCount: 12))
        for index in 0..<bits.count {
            #expect(try decoder.decode(using: &decodeBinary) == bits[index])
            #expect(try decoder.decode(using: &decodeSymbols) == values[index])
        }
        #expect(decodeBinary == binary && decodeSymbols == symbols)
    }
}
