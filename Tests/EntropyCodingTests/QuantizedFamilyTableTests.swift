import Foundation
import Testing
@testable import EntropyCoding

@Suite struct QuantizedFamilyTableTests {
    /// Every table of every shared family: frequencies >= 1 summing to 2^precision.
    @Test(arguments: QuantizedFamily.Distribution.allCases, [15, 16])
    func everyTableIsValid(distribution: QuantizedFamily.Distribution, precision: Int) throws {
        let family = try #require(QuantizedFamily.shared(distribution, precision: precision))
        var tableCount = 0
        for entry in family.scaleEntries {
            let symbolCount = Int(2 * entry.radius + 2)
            #expect(symbolCount < 1 << precision)
            for phase in 0..<(1 << Int(entry.phaseBits)) {
                let start = Int(entry.firstTable) + phase * symbolCount
                let starts = family.codingOrderStarts(tableStart: start, symbolCount: symbolCount).map { Int($0) } + [1 << precision]
                if starts[0] != 0 || zip(starts, starts.dropFirst()).contains(where: { $0 >= $1 }) {
                    Issue.record("table (radius \(entry.radius), phase \(phase)) is not strictly increasing from 0 to 2^\(precision)")
                    return
                }
                tableCount += 1
            }
        }
        #expect(tableCount > 1000)
    }

    /// Table probabilities against the exact quantized distribution computed independently in Double.
    @Test(arguments: QuantizedFamily.Distribution.allCases)
    func probabilitiesMatchTheContinuousDistribution(distribution: QuantizedFamily.Distribution) throws {
        let family = try #require(QuantizedFamily.shared(distribution, precision: 16))
        func cdf(_ t: Double) -> Double {
            switch distribution {
            case .laplace: t < 0 ? 0.5 * exp(t) : 1 - 0.5 * exp(-t)
            case .logistic: 1 / (1 + exp(-t))
            case .gaussian: 0.5 * erfc(-t / 2.0.squareRoot())
            }
        }
        // On the table grid (log-scale multiple of 1/16, mean a multiple of 1/8, or of 1 for the widest
        // scale here, which has a single phase) only the 2^-16 quantization and the +1 floor separate the
        // table from the exact probabilities.
        for (mean, logScale) in [(Int32(0), Int32(0)), (-288, -512), (1120, 256), (-64, 400), (160, -1024), (-4096, 1200), (-8, -1600)] {
            let scale = exp(Double(logScale) / 256)
            var exactBits = 0.0, tableBits = 0.0
            let center = Double(family.locate(mean: mean, logScale: logScale).base)
            for value in Int32(center - 40 * scale - 2)...Int32(center + 40 * scale + 2) {
                let (_, frequency, escapeBits) = family.interval(of: value, mean: mean, logScale: logScale)
                guard escapeBits == 0 else { continue }
                let mu = Double(mean) / 256
                let probability = cdf((Double(value) + 0.5 - mu) / scale) - cdf((Double(value) - 0.5 - mu) / scale)
                let tableProbability = Double(frequency) / 65536
                // Rounding moves each probability by at most 1/2^16; making starts strictly increasing moves
                // mass from the rarest symbols to the next larger ones (for wide scales, to the mode).
                #expect(abs(tableProbability - probability) <= 2.5 / 65536 + probability * 0.02,
                        "\(distribution) mean \(mean) logScale \(logScale) value \(value): \(tableProbability) vs \(probability)")
                guard probability > 0 else { continue }
                exactBits += probability * -log2(probability)
                tableBits += probability * -log2(tableProbability)
            }
            // Cross-entropy of the table against the true distribution: within 0.3% of its entropy (+ a floor).
            #expect(tableBits <= exactBits * 1.003 + 0.002, "\(distribution) mean \(mean) logScale \(logScale)")
        }
    }

    /// A committed fingerprint of every family's tables: a platform or build that computes a different
    /// table (and so would decode differently) fails here.
    @Test func tablesMatchGoldenFingerprints() {
        let expected: [String: UInt64] = goldenTableFingerprints
        for distribution in QuantizedFamily.Distribution.allCases {
            for precision in [15, 16] {
                let family = QuantizedFamily.shared(distribution, precision: precision)!
                let key = "\(distribution.rawValue)\(precision)"
                // Tables in coding order (independent of how they are stored), then the per-scale parameters.
                var bytes: [UInt8] = []
                for entry in family.scaleEntries {
                    let symbolCount = Int(2 * entry.radius + 2)
                    for phase in 0..<(1 << Int(entry.phaseBits)) {
                        let starts = family.codingOrderStarts(tableStart: Int(entry.firstTable) + phase * symbolCount, symbolCount: symbolCount)
                        bytes += starts.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }
                    }
                }
                bytes += family.scaleEntries.flatMap { entry in
                    [entry.firstTable, entry.radius, entry.phaseBits, entry.escapeOrder].flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value >> Int32($0 * 8)) } }
                }
                let fingerprint = fnv1a(bytes)
                #expect(fingerprint == expected[key], "\(key): fingerprint \(String(fingerprint, radix: 16))")
            }
        }
    }
}

/// FNV-1a, 64-bit.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return hash
}

let goldenTableFingerprints: [String: UInt64] = [
    "laplace15": 0x44d1_29c2_3e77_f1f8, "laplace16": 0xd3f6_b8a9_f8ad_138e,
    "gaussian15": 0x8a78_3fb5_2f94_5b26, "gaussian16": 0xec3c_02cc_633c_15f1,
    "logistic15": 0xc3e2_5946_4bd9_44b5, "logistic16": 0x8c32_dfec_713b_7485,
]

@Suite struct QuantizedFamilyLazyTablesTests {
    /// A fresh family builds only the scale steps it is asked about, and those tables equal the
    /// shared family's (which the golden fingerprint pins).
    @Test func tablesAreBuiltPerScaleOnFirstUse() throws {
        let family = try #require(QuantizedFamily(.laplace, precision: 16))
        #expect(family.builtScaleCount == 0)
        let shared = QuantizedFamily.laplace16
        for (value, mean, logScale) in [(Int32(3), Int32(700), Int32(-200)), (-40, -9000, 900), (0, 17, -1100), (5, 600, -190)] {
            #expect(family.interval(of: value, mean: mean, logScale: logScale)
                        == shared.interval(of: value, mean: mean, logScale: logScale))
        }
        // -200 and -190 share the nearest step (-192).
        #expect(family.builtScaleCount == 3)
        family.ensureAllTables()
        #expect(family.builtScaleCount == QuantizedFamily.scaleCount)
    }

    /// The shared laplace16 family starts with every table in place, and they are the builder's
    /// (after a change to the construction, regenerate them:
    /// `swift run -c release GenerateEntropyTables > Sources/CEntropyTables/laplace16.c`).
    @Test func compiledTablesAreTheBuilders() throws {
        let compiled = QuantizedFamily.laplace16
        #expect(compiled.builtScaleCount == QuantizedFamily.scaleCount)
        let built = try #require(QuantizedFamily(.laplace, precision: 16)).storedTables()
        #expect(compiled.storedTables() == built)
    }
}
