import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import CodecBench

@Suite struct RDPlotTests {
    private let curves = [
        RDCurve(name: "a", label: "Ours & <theirs>", origin: .measured, points: [
            .init(setting: "1", bitsPerPixel: 0.25, psnrRGB: 30, msSSIMRGB: 0.95),
            .init(setting: "2", bitsPerPixel: 1.0, psnrRGB: 36, msSSIMRGB: 0.99),
        ]),
        RDCurve(name: "vtm", label: "VTM (published)", origin: .published, points: [
            .init(setting: "#1", bitsPerPixel: 0.1, psnrRGB: 28),
            .init(setting: "#2", bitsPerPixel: 3.5, psnrRGB: 46),
        ]),
    ]

    @Test func svgIsWellFormedXMLWithOneSeriesPerCurve() throws {
        let svg = RDPlot(title: "Kodak \"test\"", metric: .psnrRGB).svg(curves)
        let collector = SVGElementCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "SVG is not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.count(of: "svg") == 1)
        #expect(collector.count(of: "polyline") == 2)
        #expect(collector.texts.contains("Ours & <theirs>"))
        #expect(collector.texts.contains("bits per pixel") && collector.texts.contains("PSNR-RGB (dB)"))
        #expect(collector.dashedPolylines == 1)
    }

    @Test func axesFollowTheMeasuredCurvesAndCoverTheirPoints() throws {
        let svg = RDPlot(title: "t", metric: .psnrRGB).svg(curves)
        let collector = SVGElementCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse())
        // x ticks run from 0 to the measured maximum (1.0), not the published 3.5 bpp.
        #expect(collector.texts.contains("0.0") && collector.texts.contains("1.0") && !collector.texts.contains("3.5"))
    }

    @Test func curvesWithoutTheMetricAreLeftOut() {
        let svg = RDPlot(title: "t", metric: .msSSIMDecibels).svg(curves)
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(!svg.contains("VTM"))
    }

    @Test func niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        #expect(PlotAxis.niceStep(for: 0.23) == 0.5)
        #expect(PlotAxis.niceStep(for: 1.7) == 2)
        #expect(PlotAxis.niceStep(for: 3) == 5)
        #expect(PlotAxis.niceStep(for: 7) == 10)
        let axis = PlotAxis(from: 27.3, to: 41.2, targetTicks: 8)
        #expect(axis.lowerBound == 26 && axis.upperBound == 42 && axis.step == 2)
        #expect(axis.label(28) == "28" && PlotAxis(from: 0, to: 1, targetTicks: 8).label(0.2) == "0.2")
    }
}

/// Counts elements and gathers text of an SVG document.
final class SVGElementCounter: NSObject, XMLParserDelegate {
    private var counts: [String: Int] = [:]
    private(set) var texts: [String] = []
    private(set) var dashedPolylines = 0
    private var currentText = ""

    func count(of element: String) -> Int { counts[element, default: 0] }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        counts[elementName, default: 0] += 1
        if elementName == "polyline", attributes["stroke-dasharray"] != nil { dashedPolylines += 1 }
        currentText = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        currentText += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "text" { texts.append(currentText) }
        currentText = ""
    }
}
