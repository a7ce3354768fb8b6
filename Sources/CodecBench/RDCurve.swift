import Foundation

/// A rate-distortion curve: measured (means over images per setting) or published.
public struct RDCurve: Codable, Sendable, Equatable {
    /// Where the points come from.
    public enum Origin: String, Codable, Sendable {
        case measured
        case published
    }

    /// One point: the mean over images of each per-image value (the CompressAI convention).
    public struct Point: Codable, Sendable, Equatable {
        public var setting: String
        public var bitsPerPixel: Double
        public var psnrRGB: Double?
        public var psnrY: Double?
        public var msSSIMRGB: Double?
        public var encodeSeconds: Double?
        public var decodeSeconds: Double?
        /// Images averaged (nil when a publication does not say).
        public var imageCount: Int?

        public init(setting: String, bitsPerPixel: Double, psnrRGB: Double?, psnrY: Double? = nil,
                    msSSIMRGB: Double? = nil, encodeSeconds: Double? = nil, decodeSeconds: Double? = nil,
                    imageCount: Int? = nil) {
            self.setting = setting
            self.bitsPerPixel = bitsPerPixel
            self.psnrRGB = psnrRGB
            self.psnrY = psnrY
            self.msSSIMRGB = msSSIMRGB
            self.encodeSeconds = encodeSeconds
            self.decodeSeconds = decodeSeconds
            self.imageCount = imageCount
        }

        /// MS-SSIM-RGB in dB, when known.
        public var msSSIMDecibels: Double? { msSSIMRGB.map { ImageMeasurement.decibels(msSSIM: $0) } }
    }

    /// Short name used on the command line (`--anchor`) and in tables.
    public var name: String
    /// Legend text.
    public var label: String
    public var origin: Origin
    /// For published curves: the file read and what it says about itself.
    public var source: String?
    /// Points sorted by rate.
    public var points: [Point]

    public init(name: String, label: String, origin: Origin, source: String? = nil, points: [Point]) {
        self.name = name
        self.label = label
        self.origin = origin
        self.source = source
        self.points = points.sorted { $0.bitsPerPixel < $1.bitsPerPixel }
    }

    /// The measured curve of one codec: per setting, the mean of each value over the images.
    /// Settings not measured on all `imageCount` images are left out (a mean over a different
    /// image set would not be comparable).
    public static func measured(codec: String, label: String, measurements: [ImageMeasurement], imageCount: Int) -> RDCurve {
        let own = measurements.filter { $0.codec == codec }
        let settings = Dictionary(grouping: own, by: \.setting)
        let points = settings.compactMap { setting, group -> Point? in
            guard group.count == imageCount, imageCount > 0 else { return nil }
            func mean(_ value: (ImageMeasurement) -> Double) -> Double { group.map(value).reduce(0, +) / Double(group.count) }
            return Point(setting: setting, bitsPerPixel: mean(\.bitsPerPixel), psnrRGB: mean(\.psnrRGB), psnrY: mean(\.psnrY),
                         msSSIMRGB: mean(\.msSSIMRGB), encodeSeconds: mean(\.encodeSeconds),
                         decodeSeconds: mean(\.decodeSeconds), imageCount: group.count)
        }
        return RDCurve(name: codec, label: label, origin: .measured, points: points)
    }

    /// `published` with every name that equals one of `names` (e.g. CompressAI's `webp.json` beside
    /// our measured `webp`) suffixed with "-published", so names stay unique for `--anchor`.
    public static func distinct(_ published: [RDCurve], from names: [String]) -> [RDCurve] {
        let taken = Set(names)
        return published.map { curve in
            var renamed = curve
            if taken.contains(curve.name) { renamed.name += "-published" }
            return renamed
        }
    }
}
