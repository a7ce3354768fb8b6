import Foundation

/// Draws rate-distortion curves as an SVG document: axes with ticks and labels, a grid, one
/// colour and marker per curve, published curves dashed with hollow markers, and a legend.
public struct RDPlot: Sendable {
    /// The quality on the vertical axis.
    public enum Metric: Sendable {
        case psnrRGB
        case msSSIMDecibels

        var axisTitle: String {
            switch self {
            case .psnrRGB: "PSNR-RGB (dB)"
            case .msSSIMDecibels: "MS-SSIM-RGB (dB, −10·log10(1 − MS-SSIM))"
            }
        }

        func value(_ point: RDCurve.Point) -> Double? {
            switch self {
            case .psnrRGB: point.psnrRGB
            case .msSSIMDecibels: point.msSSIMDecibels
            }
        }
    }

    public var title: String
    public var metric: Metric
    /// Size of the plotting area; the legend goes to its right.
    public var plotAreaWidth = 820.0
    public var height = 640.0

    public init(title: String, metric: Metric) {
        self.title = title
        self.metric = metric
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                          "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#000000", "#393b79",
                          "#637939", "#b5651d", "#843c39", "#7b4173"]
    private let left = 80.0, top = 50.0, bottom = 70.0

    /// The SVG text for `curves` (curves without this metric are left out).
    public func svg(_ curves: [RDCurve]) -> String {
        var drawn: [DrawnCurve] = []
        for (index, curve) in curves.enumerated() {
            let points = curve.points.compactMap { point -> PlotPoint? in
                metric.value(point).flatMap { $0.isFinite ? PlotPoint(x: point.bitsPerPixel, y: $0) : nil }
            }
            if !points.isEmpty { drawn.append(DrawnCurve(index: index, curve: curve, points: points)) }
        }
        let (xAxis, yAxis) = axes(for: drawn)
        let width = left + plotWidth + 30 + legendWidth(drawn) + 15
        var svg = header(width: width)
        svg += grid(xAxis: xAxis, yAxis: yAxis)
        svg += "<g clip-path=\"url(#plot-area)\">\n"
        for entry in drawn {
            svg += series(entry.points, index: entry.index, dashed: entry.curve.origin == .published, xAxis: xAxis, yAxis: yAxis)
        }
        svg += "</g>\n"
        svg += legend(drawn)
        svg += "</svg>\n"
        return svg
    }

    private var plotWidth: Double { plotAreaWidth }
    private var plotHeight: Double { height - top - bottom }

    /// Axes spanning the measured curves' rates (all curves' when none is measured) and the
    /// qualities of every point within that rate range.
    private func axes(for drawn: [DrawnCurve]) -> (PlotAxis, PlotAxis) {
        let measured = drawn.filter { $0.curve.origin == .measured }.flatMap(\.points)
        let reference = measured.isEmpty ? drawn.flatMap(\.points) : measured
        let maximumRate = reference.map(\.x).max() ?? 1
        let visible = drawn.flatMap(\.points).filter { $0.x <= maximumRate * 1.05 }
        let qualities = (visible.isEmpty ? reference : visible).map(\.y)
        let xAxis = PlotAxis(from: 0, to: maximumRate, targetTicks: 8)
        let low = qualities.min() ?? 0, high = qualities.max() ?? 1, margin = (high - low) * 0.03
        let yAxis = PlotAxis(from: low - margin, to: high + margin, targetTicks: 8)
        return (xAxis, yAxis)
    }

    private func x(_ value: Double, _ axis: PlotAxis) -> Double { left + axis.fraction(value) * plotWidth }
    private func y(_ value: Double, _ axis: PlotAxis) -> Double { top + (1 - axis.fraction(value)) * plotHeight }

    private func header(width: Double) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <defs><clipPath id="plot-area"><rect x="\(left)" y="\(top)" width="\(plotWidth)" height="\(plotHeight)"/></clipPath></defs>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left + plotWidth / 2)" y="28" text-anchor="middle" font-size="17" font-weight="bold">\(Self.escaped(title))</text>

        """
    }

    private func grid(xAxis: PlotAxis, yAxis: PlotAxis) -> String {
        var svg = "<g stroke=\"#dddddd\" stroke-width=\"1\">\n"
        var labels = "<g fill=\"#222222\">\n"
        for tick in xAxis.ticks {
            let position = Self.number(x(tick, xAxis))
            svg += "<line x1=\"\(position)\" y1=\"\(top)\" x2=\"\(position)\" y2=\"\(top + plotHeight)\"/>\n"
            labels += "<text x=\"\(position)\" y=\"\(top + plotHeight + 20)\" text-anchor=\"middle\">\(xAxis.label(tick))</text>\n"
        }
        for tick in yAxis.ticks {
            let position = Self.number(y(tick, yAxis))
            svg += "<line x1=\"\(left)\" y1=\"\(position)\" x2=\"\(left + plotWidth)\" y2=\"\(position)\"/>\n"
            labels += "<text x=\"\(left - 8)\" y=\"\(position)\" dy=\"4\" text-anchor=\"end\">\(yAxis.label(tick))</text>\n"
        }
        svg += "</g>\n" + labels + "</g>\n"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#222222\"/>\n"
        svg += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 22)\" text-anchor=\"middle\" font-size=\"15\">bits per pixel</text>\n"
        let middle = top + plotHeight / 2
        svg += "<text transform=\"translate(22 \(middle)) rotate(-90)\" text-anchor=\"middle\" font-size=\"15\">\(Self.escaped(metric.axisTitle))</text>\n"
        return svg
    }

    private func series(_ points: [PlotPoint], index: Int, dashed: Bool, xAxis: PlotAxis, yAxis: PlotAxis) -> String {
        let colour = Self.palette[index % Self.palette.count]
        let path = points.map { "\(Self.number(x($0.x, xAxis))),\(Self.number(y($0.y, yAxis)))" }.joined(separator: " ")
        let dash = dashed ? " stroke-dasharray=\"7 5\"" : ""
        var svg = "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>\n"
        for point in points {
            svg += marker(index: index, x: x(point.x, xAxis), y: y(point.y, yAxis), colour: colour, hollow: dashed)
        }
        return svg
    }

    /// Marker shape `index` (circle, square, triangle, diamond, inverted triangle, cross) at (x, y).
    private func marker(index: Int, x: Double, y: Double, colour: String, hollow: Bool) -> String {
        let fill = hollow ? "white" : colour
        let style = "fill=\"\(fill)\" stroke=\"\(colour)\" stroke-width=\"1.5\""
        let size = 4.5
        func polygon(_ offsets: [(Double, Double)]) -> String {
            let points = offsets.map { "\(Self.number(x + $0.0 * size)),\(Self.number(y + $0.1 * size))" }.joined(separator: " ")
            return "<polygon points=\"\(points)\" \(style)/>\n"
        }
        switch index % 6 {
        case 0: return "<circle cx=\(Self.quoted(x)) cy=\(Self.quoted(y)) r=\"\(size)\" \(style)/>\n"
        case 1: return polygon([(-1, -1), (1, -1), (1, 1), (-1, 1)])
        case 2: return polygon([(0, -1.3), (1.2, 0.9), (-1.2, 0.9)])
        case 3: return polygon([(0, -1.4), (1.2, 0), (0, 1.4), (-1.2, 0)])
        case 4: return polygon([(0, 1.3), (1.2, -0.9), (-1.2, -0.9)])
        default:
            return polygon([(-0.4, -1.2), (0.4, -1.2), (0.4, -0.4), (1.2, -0.4), (1.2, 0.4), (0.4, 0.4), (0.4, 1.2),
                            (-0.4, 1.2), (-0.4, 0.4), (-1.2, 0.4), (-1.2, -0.4), (-0.4, -0.4)])
        }
    }

    /// Width of the legend box (from the longest label; 7.2 px per character at 13 px).
    private func legendWidth(_ entries: [DrawnCurve]) -> Double {
        entries.isEmpty ? 0 : 56 + Double(entries.map(\.curve.label.count).max() ?? 10) * 7.2
    }

    /// Legend to the right of the plot area, top-aligned with it.
    private func legend(_ entries: [DrawnCurve]) -> String {
        guard !entries.isEmpty else { return "" }
        let rowHeight = 20.0
        let boxWidth = legendWidth(entries)
        let boxHeight = Double(entries.count) * rowHeight + 12
        let boxX = left + plotWidth + 30, boxY = top
        var svg = "<g>\n<rect x=\"\(Self.number(boxX))\" y=\"\(Self.number(boxY))\" width=\"\(Self.number(boxWidth))\" "
            + "height=\"\(Self.number(boxHeight))\" fill=\"white\" stroke=\"#999999\"/>\n"
        for (row, entry) in entries.enumerated() {
            let rowY = boxY + 16 + Double(row) * rowHeight
            let colour = Self.palette[entry.index % Self.palette.count]
            let dashed = entry.curve.origin == .published
            let dash = dashed ? " stroke-dasharray=\"7 5\"" : ""
            svg += "<line x1=\"\(Self.number(boxX + 8))\" y1=\"\(Self.number(rowY))\" x2=\"\(Self.number(boxX + 40))\" "
                + "y2=\"\(Self.number(rowY))\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>\n"
            svg += marker(index: entry.index, x: boxX + 24, y: rowY, colour: colour, hollow: dashed)
            svg += "<text x=\"\(Self.number(boxX + 48))\" y=\"\(Self.number(rowY))\" dy=\"4.5\">\(Self.escaped(entry.curve.label))</text>\n"
        }
        return svg + "</g>\n"
    }

    /// Text made safe for XML character data and attributes.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate with two decimals.
    static func number(_ value: Double) -> String { String(format: "%.2f", value) }
    private static func quoted(_ value: Double) -> String { "\"\(number(value))\"" }

    /// A point in data coordinates.
    private struct PlotPoint {
        var x: Double
        var y: Double
    }

    /// A curve with the points this metric has, and its position in the input (colour, marker).
    private struct DrawnCurve {
        var index: Int
        var curve: RDCurve
        var points: [PlotPoint]
    }
}
