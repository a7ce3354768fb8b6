import ArgumentParser
import Foundation
import ImageCore
import QualityMetrics

/// `ncodec metrics REF DIST [--json]`: every full-reference metric of DIST against REF.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "PSNR (RGB, per channel, Y, YUV 6:1:1), SSIM and MS-SSIM (RGB and Y) of DIST against REF.",
        discussion: """
            Images are PNG (8/16-bit gray or RGB), JPEG (decoded as djpeg and Pillow do) or binary PPM/PGM, \
            detected from their content. \
            SSIM and MS-SSIM follow pytorch-msssim (Gaussian window 11, sigma 1.5, valid filtering); Y is \
            BT.709 luma (psnr_y_bt601 uses BT.601). MS-SSIM needs both sides of at least 161 pixels and is \
            reported as n/a (null in JSON) below that. In JSON, an infinite PSNR (identical images) is "inf".
            """)

    @Argument(help: "The reference (original) image.")
    var reference: String

    @Argument(help: "The distorted (decoded) image.")
    var distorted: String

    @Flag(help: "Print one JSON object with snake_case keys (psnr_rgb, ssim_rgb, ms_ssim_rgb, psnr_y, ms_ssim_y, ...).")
    var json = false

    @Flag(help: "Ignore an alpha channel (keep the color samples, as Pillow's convert(\"RGB\")) instead of failing.")
    var dropAlpha = false

    func run() throws {
        let report = try Self.measure(referencePath: reference, distortedPath: distorted, alpha: dropAlpha ? .drop : .reject)
        print(json ? try Self.json(report) : Self.table(report))
    }

    /// Reads both images and measures them; a gray image compared with an RGB one is first replicated to
    /// RGB (as Pillow's convert("RGB") does).
    static func measure(
        referencePath: String, distortedPath: String, alpha: AlphaPolicy = .reject
    ) throws(CommandFailure) -> QualityReport {
        var referenceImage = try readImage(referencePath, alpha: alpha)
        var distortedImage = try readImage(distortedPath, alpha: alpha)
        if referenceImage.colorModel == .gray && distortedImage.colorModel == .rgb {
            referenceImage = referenceImage.converted(to: .rgb)
        } else if referenceImage.colorModel == .rgb && distortedImage.colorModel == .gray {
            distortedImage = distortedImage.converted(to: .rgb)
        }
        do {
            return try QualityMeasure.measure(reference: referenceImage, distorted: distortedImage, requireMultiScale: false)
        } catch {
            throw CommandFailure(error.description)
        }
    }

    static func readImage(_ path: String, alpha: AlphaPolicy) throws(CommandFailure) -> Image {
        do {
            return try ImageFile.read(path: path, alpha: alpha)
        } catch .fileNotFound, .cannotRead {
            throw CommandFailure("cannot read \(path): no such readable file")
        } catch .alphaChannelPresent {
            throw CommandFailure("\(path) has an alpha channel: pass --drop-alpha to compare its color samples")
        } catch {
            throw CommandFailure("\(path): \(error.description)")
        }
    }

    static func json(_ report: QualityReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    static func table(_ report: QualityReport) -> String {
        func decibels(_ value: Double) -> String {
            value.isNaN ? "n/a" : value == .infinity ? "inf dB" : String(format: "%.4f dB", value)
        }
        func index(_ value: Double) -> String { value.isNaN ? "n/a (needs sides >= 161 px)" : String(format: "%.6f", value) }
        let rows: [(String, String)] = [
            ("PSNR RGB", decibels(report.psnrRGB)),
            ("PSNR R", decibels(report.psnrR)),
            ("PSNR G", decibels(report.psnrG)),
            ("PSNR B", decibels(report.psnrB)),
            ("PSNR Y (BT.709)", decibels(report.psnrY)),
            ("PSNR Y (BT.601)", decibels(report.psnrYBT601)),
            ("PSNR YUV 6:1:1", decibels(report.psnrYUV)),
            ("SSIM RGB", index(report.ssimRGB)),
            ("SSIM Y", index(report.ssimY)),
            ("MS-SSIM RGB", index(report.msSSIMRGB)),
            ("MS-SSIM Y", index(report.msSSIMY)),
        ]
        return rows.map { $0.0.padding(toLength: 17, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }
}
