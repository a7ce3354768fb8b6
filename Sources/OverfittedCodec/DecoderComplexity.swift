/// Decoder complexity presets, named after the multiply-accumulates the decoder spends per pixel.
///
/// Each preset fixes the network shapes (``Architecture``); the MAC count of an actual image is
/// ``Architecture/macsPerPixel(width:height:)``. The targets follow Cool-chic 5's presets (about
/// 500, 1,000, 2,000 and 3,000 MAC/px at 768x512), with our own network widths. The medium
/// decoder's synthesis is 32 wide (1,146 MAC/px; 16 before): at the fast preset's time budget the
/// wider synthesis lowered the loss of the decoded file more than the 9% fewer iterations raised it
/// (docs/overfitted-codec.md).
public enum DecoderComplexity: String, Sendable, CaseIterable, Codable {
    case low
    case medium
    case high
    case veryHigh = "very-high"

    /// The network shapes of this preset for an image with `outputChannels` channels.
    public func architecture(outputChannels: Int) -> Architecture {
        switch self {
        case .low: Architecture(contextSize: 8, interGridFeatures: 2, synthesisWidth: 8, residualLayers: 2, outputChannels: outputChannels)
        case .medium: Architecture(contextSize: 14, interGridFeatures: 4, synthesisWidth: 32, residualLayers: 2, outputChannels: outputChannels)
        case .high: Architecture(contextSize: 20, interGridFeatures: 6, synthesisWidth: 48, residualLayers: 2, outputChannels: outputChannels)
        case .veryHigh: Architecture(contextSize: 24, interGridFeatures: 6, synthesisWidth: 96, residualLayers: 2, outputChannels: outputChannels)
        }
    }
}
