/// Luma coefficients of an RGB <-> YCbCr conversion (full range).
///
/// Y = Kr R + Kg G + Kb B, Cb = (B - Y) / (2 (1 - Kb)) + 1/2, Cr = (R - Y) / (2 (1 - Kr)) + 1/2,
/// on normalised samples (ITU-R BT.601 and BT.709 coefficients).
public enum ColorMatrix: String, Sendable, CaseIterable {
    case bt601
    case bt709

    /// Red weight of luma.
    public var kr: Double { self == .bt601 ? 0.299 : 0.2126 }
    /// Blue weight of luma.
    public var kb: Double { self == .bt601 ? 0.114 : 0.0722 }
    /// Green weight of luma (1 - Kr - Kb).
    public var kg: Double { 1 - kr - kb }
}
