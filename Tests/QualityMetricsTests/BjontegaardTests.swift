import Foundation
import Testing
@testable import QualityMetrics

@Suite struct BjontegaardTests {
    typealias Point = Bjontegaard.RDPoint

    static func curve(_ pairs: [(Double, Double)]) -> [Point] {
        pairs.map { Point(bitsPerPixel: $0.0, quality: $0.1) }
    }

    /// Anchor with quality linear in log10(rate); the test needs `factor` times the anchor's rate.
    static func scaledCurves(factor: Double) -> ([Point], [Point]) {
        let rates = [0.1, 0.2, 0.4, 0.8, 1.6]
        let anchor = rates.map { Point(bitsPerPixel: $0, quality: 30 + 8 * log10($0)) }
        let test = anchor.map { Point(bitsPerPixel: $0.bitsPerPixel * factor, quality: $0.quality) }
        return (anchor, test)
    }

    @Test(arguments: Bjontegaard.Interpolation.allCases, [0.8, 0.5, 1.25])
    func scaledRateGivesKnownDeltas(interpolation: Bjontegaard.Interpolation, factor: Double) throws {
        let (anchor, test) = Self.scaledCurves(factor: factor)
        // Same qualities at `factor` times the rate: BD-rate = (factor - 1) * 100 exactly.
        let rate = try Bjontegaard.deltaRate(anchor: anchor, test: test, interpolation: interpolation)
        #expect(abs(rate - (factor - 1) * 100) < 1e-9)
        // q = 30 + 8 log10(r / factor) on the test curve: BD-quality = -8 log10(factor).
        let quality = try Bjontegaard.deltaQuality(anchor: anchor, test: test, interpolation: interpolation)
        #expect(abs(quality + 8 * log10(factor)) < 1e-9)
    }

    @Test(arguments: Bjontegaard.Interpolation.allCases)
    func identicalCurvesGiveZero(interpolation: Bjontegaard.Interpolation) throws {
        let (anchor, _) = Self.scaledCurves(factor: 1)
        #expect(abs(try Bjontegaard.deltaRate(anchor: anchor, test: anchor, interpolation: interpolation)) < 1e-12)
    }

    @Test func pchipWithTwoPointsIsLinear() throws {
        // log10 rate -1 -> 0 maps quality 30 -> 40 (anchor); the test reaches each quality at half the rate.
        let anchor = Self.curve([(0.1, 30), (1, 40)]), test = Self.curve([(0.05, 30), (0.5, 40)])
        #expect(abs(try Bjontegaard.deltaRate(anchor: anchor, test: test, interpolation: .pchip) + 50) < 1e-9)
        // Over log-rate [-1, log10 0.5]: the test is 10 log10(2) dB higher everywhere.
        #expect(abs(try Bjontegaard.deltaQuality(anchor: anchor, test: test, interpolation: .pchip) - 10 * log10(2)) < 1e-9)
    }

    struct Fixture: Decodable {
        struct Case: Decodable {
            var name: String
            var anchor: [[Double]]
            var test: [[Double]]
            var expected: [String: Double]
        }
        var cases: [Case]
    }

    static let fixtureCases: [Fixture.Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/bd_fixtures.json")
        guard let data = try? Data(contentsOf: url), let fixture = try? JSONDecoder().decode(Fixture.self, from: data)
        else { return [] }
        return fixture.cases
    }()

    @Test func fixturesAreLoaded() {
        #expect(Self.fixtureCases.count >= 5)
    }

    @Test(arguments: fixtureCases.map(\.name), Bjontegaard.Interpolation.allCases)
    func matchesTheBjontegaardPackage(name: String, interpolation: Bjontegaard.Interpolation) throws {
        guard let fixture = Self.fixtureCases.first(where: { $0.name == name }) else { return }
        let anchor = Self.curve(fixture.anchor.map { ($0[0], $0[1]) })
        let test = Self.curve(fixture.test.map { ($0[0], $0[1]) })
        let rate = try Bjontegaard.deltaRate(anchor: anchor, test: test, interpolation: interpolation)
        let quality = try Bjontegaard.deltaQuality(anchor: anchor, test: test, interpolation: interpolation)
        let expectedRate = fixture.expected["bd_rate_\(interpolation.rawValue)"] ?? .nan
        let expectedQuality = fixture.expected["bd_quality_\(interpolation.rawValue)"] ?? .nan
        #expect(abs(rate - expectedRate) < 1e-6, "\(name): \(rate) vs \(expectedRate)")
        #expect(abs(quality - expectedQuality) < 1e-8 * max(1, abs(expectedQuality)), "\(name): \(quality) vs \(expectedQuality)")
    }

    @Test func badCurvesThrow() {
        let good = Self.curve([(0.1, 30), (0.2, 32), (0.4, 34), (0.8, 36)])
        #expect(throws: BjontegaardError.tooFewPoints(curve: "test", count: 3, minimum: 4)) {
            try Bjontegaard.deltaRate(anchor: good, test: Array(good.prefix(3)), interpolation: .cubic)
        }
        #expect(throws: BjontegaardError.tooFewPoints(curve: "anchor", count: 1, minimum: 2)) {
            try Bjontegaard.deltaRate(anchor: Array(good.prefix(1)), test: good, interpolation: .pchip)
        }
        let bumpy = Self.curve([(0.1, 30), (0.2, 33), (0.4, 32), (0.8, 36)])
        #expect(throws: BjontegaardError.notMonotone(curve: "test")) {
            try Bjontegaard.deltaRate(anchor: good, test: bumpy)
        }
        let repeatedRate = Self.curve([(0.1, 30), (0.2, 32), (0.2, 33), (0.8, 36)])
        #expect(throws: BjontegaardError.notMonotone(curve: "anchor")) {
            try Bjontegaard.deltaQuality(anchor: repeatedRate, test: good)
        }
        let far = Self.curve([(1, 40), (2, 42), (4, 44), (8, 46)])
        #expect(throws: BjontegaardError.noOverlap) { try Bjontegaard.deltaRate(anchor: good, test: far) }
        let zeroRate = Self.curve([(0, 30), (0.2, 32), (0.4, 34), (0.8, 36)])
        #expect(throws: BjontegaardError.invalidValue(curve: "anchor")) {
            try Bjontegaard.deltaRate(anchor: zeroRate, test: good)
        }
    }
}
