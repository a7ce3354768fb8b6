// Mutation fuzzer for OverfittedDecoder: starts from real .ncx files (tiny gray and RGB encodes),
// applies random byte flips, overwrites, insertions, deletions, truncations and splices, and
// usually repairs the CRC-32 (and sometimes the stream lengths) so the mutations reach the
// network and latent stream decoders instead of stopping at the checksum. Every decode must return
// an image or throw OverfittedDecodeError; a trap or any other error stops the run with the input
// saved to fuzz-crash.ncx. Build with the address sanitizer: Fuzz/ncx-fuzz.sh.
import Foundation
import ImageCore
import OverfittedCodec

struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}

func seedImage(width: Int, height: Int, channels: Int) -> Image? {
    let planes = (0..<channels).map { c in
        Plane(width: width, height: height, samples: (0..<(width * height)).map { i in Float((i * 37 + c * 91) % 256) / 255 })!
    }
    return Image(colorModel: channels == 1 ? .gray : .rgb, bitDepth: 8, planes: planes)
}

/// Files with their finest grid (lambda 1e-3) and without it (2e-2).
func seeds() -> [[UInt8]] {
    [(0, (9, 7, 3)), (0, (5, 4, 1)), (0, (1, 1, 3)), (0, (17, 3, 3)), (1, (9, 7, 3)), (1, (17, 3, 1))]
        .compactMap { uncoded, size in
            let configuration = EncoderConfiguration(lambda: uncoded == 0 ? 1e-3 : 2e-2, preset: .iterations(8), complexity: .low,
                                                     threads: 1, seed: 1, uncodedGrids: uncoded)
            guard let image = seedImage(width: size.0, height: size.1, channels: size.2),
                  let data = try? OverfittedEncoder(configuration: configuration).encode(image) else { return nil }
            return [UInt8](data)
        }
}

/// Recomputes the trailing CRC-32 (IEEE) so the decoder looks past it.
func repairChecksum(_ bytes: inout [UInt8]) {
    guard bytes.count >= 4 else { return }
    var table = [UInt32](repeating: 0, count: 256)
    for n in 0..<256 {
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        table[n] = c
    }
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes[0..<(bytes.count - 4)] { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    crc ^= 0xFFFF_FFFF
    for k in 0..<4 { bytes[bytes.count - 4 + k] = UInt8(truncatingIfNeeded: crc >> UInt32(24 - 8 * k)) }
}

/// Rewrites the network stream length (3 bytes at offset 15) to a random split of the mutated
/// size, so the latent stream (the rest) is not empty or negative by accident.
func repairLengths(_ bytes: inout [UInt8], random: inout Random) {
    let header = NCXHeader.byteCount, tail = NCXHeader.checksumByteCount
    guard bytes.count >= header + tail else { return }
    let network = random.below(bytes.count - header - tail + 1)
    for k in 0..<3 { bytes[15 + k] = UInt8(truncatingIfNeeded: network >> (16 - 8 * k)) }
}

func mutate(_ input: [UInt8], random: inout Random, corpus: [[UInt8]]) -> [UInt8] {
    var bytes = input
    for _ in 0..<(1 + random.below(4)) {
        switch random.below(7) {
        case 0 where !bytes.isEmpty: bytes[random.below(bytes.count)] ^= UInt8(1 << random.below(8))
        case 1 where !bytes.isEmpty: bytes[random.below(bytes.count)] = random.byte()
        case 2: bytes.insert(random.byte(), at: random.below(bytes.count + 1))
        case 3 where !bytes.isEmpty: bytes.remove(at: random.below(bytes.count))
        case 4: bytes = Array(bytes.prefix(random.below(bytes.count + 1)))
        case 5:
            let other = corpus[random.below(corpus.count)]
            let cut = random.below(min(bytes.count, other.count) + 1)
            bytes = Array(bytes.prefix(cut)) + Array(other.dropFirst(cut))
        default:
            // Header fields: small random values in the size and configuration bytes (6...14).
            if bytes.count > 14 { bytes[6 + random.below(9)] = UInt8(random.below(40)) }
        }
    }
    if random.below(4) == 0 { repairLengths(&bytes, random: &random) }
    if random.below(10) < 8 { repairChecksum(&bytes) }
    return bytes
}

let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 20000 : 20000
var random = Random(state: arguments.count > 2 ? UInt64(arguments[2]) ?? 1 : 1)
let corpus = seeds()
guard !corpus.isEmpty else {
    print("could not build the seed files")
    exit(1)
}
var decoded = 0, rejected: [String: Int] = [:]
for iteration in 0..<iterations {
    let input = mutate(corpus[random.below(corpus.count)], random: &random, corpus: corpus)
    FileManager.default.createFile(atPath: "fuzz-current.ncx", contents: Data(input))
    do {
        _ = try OverfittedDecoder.decode(Data(input), threads: 1 + iteration % 2)
        decoded += 1
    } catch {
        let kind = String(describing: error).split(separator: " ").prefix(3).joined(separator: " ")
        rejected[kind, default: 0] += 1
    }
}
try? FileManager.default.removeItem(atPath: "fuzz-current.ncx")
print("\(iterations) mutated files: \(decoded) decoded, rejected: \(rejected.sorted { $0.value > $1.value }.map { "\($0.key) x\($0.value)" }.joined(separator: ", "))")
