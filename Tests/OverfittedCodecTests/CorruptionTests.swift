import Foundation
import Testing
@testable import OverfittedCodec

@Suite struct CorruptionTests {
    /// With the pre-concatenation filter, so that its parameters are damaged too.
    static let file: Data = {
        let image = TestImages.make(width: 12, height: 10, channels: 3)
        return (try? OverfittedEncoder(configuration: TestImages.configuration(iterations: 20, preFilter: true)).encode(image)) ?? Data()
    }()

    @Test func everyTruncationIsATypedError() {
        let file = Self.file
        #expect(file.count > NCXHeader.byteCount)
        for length in 0..<file.count {
            #expect(throws: OverfittedDecodeError.self) { try OverfittedDecoder.decode(file.prefix(length)) }
        }
    }

    @Test func everyByteFlipIsATypedError() {
        let file = Self.file
        for index in 0..<file.count {
            var damaged = file
            damaged[index] ^= 0x5A
            #expect(throws: OverfittedDecodeError.self) { try OverfittedDecoder.decode(damaged) }
        }
    }

    @Test func foreignAndFutureFilesAreNamed() {
        #expect(throws: OverfittedDecodeError.notNCX) { try OverfittedDecoder.decode(Data("\u{89}PNG\r\n\u{1A}\n....".utf8)) }
        var future = Self.file
        future[4] = 9
        #expect(throws: OverfittedDecodeError.unsupportedVersion(9)) { try OverfittedDecoder.decode(future) }
        var otherCodec = Self.file
        otherCodec[5] = 7
        #expect(throws: OverfittedDecodeError.unknownCodec(7)) { try OverfittedDecoder.decode(otherCodec) }
        #expect(throws: OverfittedDecodeError.checksumMismatch) { try OverfittedDecoder.decode(Self.file + [0]) }
        var unknownFlag = [UInt8](Self.file)
        unknownFlag[16] |= 8  // the flags byte
        #expect(throws: OverfittedDecodeError.invalidHeader("unknown flags 9")) {
            try OverfittedDecoder.decode(Self.withValidChecksum(unknownFlag))
        }
    }

    @Test func headerSurvivesARoundTrip() throws {
        let header = try NCXHeader.parse([UInt8](Self.file))
        #expect(header.width == 12 && header.height == 10 && header.channels == 3 && header.bitDepth == 8)
        #expect(header.architecture.preFilter)
        #expect(header.fileByteCount == Self.file.count)
    }

    /// `bytes` with its trailing CRC-32 recomputed, so damage reaches the stream decoders.
    static func withValidChecksum(_ bytes: [UInt8]) -> Data {
        var fixed = bytes
        let crc = CRC32.checksum(fixed[0..<(fixed.count - 4)])
        for k in 0..<4 { fixed[fixed.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> UInt32(24 - 8 * k)) }
        return Data(fixed)
    }

    @Test func damageBehindAValidChecksumDecodesOrFailsCleanly() {
        let bytes = [UInt8](Self.file)
        var decoded = 0
        for index in 0..<(bytes.count - 4) {
            var damaged = bytes
            damaged[index] ^= 0xA5
            do {
                _ = try OverfittedDecoder.decode(Self.withValidChecksum(damaged))
                decoded += 1
            } catch {
                // Typed by the signature; nothing to check beyond not trapping.
            }
        }
        // Damage in the streams mostly still decodes (to a different image): the decoders ran.
        #expect(decoded > 0)
    }

    @Test func oversizedImagesAreRefusedBeforeAllocating() {
        var bytes = [UInt8](Self.file)
        // Width - 1 and height - 1, two bytes each at offsets 6 and 8.
        for offset in [6, 7, 8, 9] { bytes[offset] = 0xFF }
        #expect(throws: OverfittedDecodeError.invalidHeader("65536x65536 is more than \(NCXHeader.maximumPixelCount) pixels")) {
            try OverfittedDecoder.decode(Self.withValidChecksum(bytes))
        }
    }
}
