import Foundation

/// Reads image files (PNG, JPEG, binary PPM/PGM) and writes PNG and PPM/PGM.
public enum ImageFile {
    /// Largest accepted width x height when reading (keeps a corrupt header from allocating gigabytes).
    public static let maximumPixelCount = 1 << 28

    /// Reads PNG (8/16-bit gray, RGB; gray+alpha / RGBA per `alpha`), PPM/PGM (P5/P6, maxval <= 65535)
    /// or JPEG (8-bit gray or RGB, decoded as djpeg does), detected from the content, not the extension.
    public static func read(path: String, alpha: AlphaPolicy = .reject) throws(ImageIOError) -> Image {
        let data = try readData(path: path)
        return try decode(data, alpha: alpha)
    }

    /// Decodes PNG, JPEG or PPM/PGM bytes, detected from the first bytes.
    public static func decode(_ data: Data, alpha: AlphaPolicy = .reject) throws(ImageIOError) -> Image {
        if PNGFormat.hasSignature(data) { return try PNGFormat.decode(data, alpha: alpha) }
        if PNMFormat.hasSignature(data) { return try PNMFormat.decode(data) }
        if JPEGFormat.hasSignature(data) { return try JPEGFormat.decode(data) }
        throw .unrecognizedFormat
    }

    /// Writes PNG or PPM/PGM chosen by extension (.png / .ppm, .pgm, .pnm), quantising to `image.bitDepth`.
    ///
    /// PPM/PGM output is P6 for RGB images and P5 for gray ones whichever of the three extensions is used.
    public static func write(_ image: Image, path: String) throws(ImageIOError) {
        let ext = (path as NSString).pathExtension.lowercased()
        let data: Data
        switch ext {
        case "png": data = try PNGFormat.encode(image)
        case "ppm", "pgm", "pnm": data = try PNMFormat.encode(image)
        default: throw .unsupportedExtension(ext.isEmpty ? "(none)" : ext)
        }
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    private static func readData(path: String) throws(ImageIOError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .fileNotFound(path: path)
        }
        if isDirectory.boolValue { throw .cannotRead(path: path, reason: "it is a directory") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .cannotRead(path: path, reason: error.localizedDescription)
        }
    }
}
