// libFuzzer target over every EntropyCoding decode path (not part of the package build).
// Build and run: Fuzz/run.sh [seconds]. Each input drives two checks:
//  1. Decoding: the first 8 bytes seed a generator that picks a sequence of decode calls (families,
//     precisions, extreme means/log-scales, static and adaptive models, bits, Exp-Golomb); the rest of
//     the input is the stream. Decoding must return values or typed errors, never trap.
//  2. Round trip: the same call sequence with values taken from the input is encoded, decoded, and
//     must come back identical (the fuzzer aborts otherwise).

struct FuzzRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func int32() -> Int32 {
        switch below(4) {
        case 0: return [Int32.min, Int32.max, 0, -1, 1, Int32.min + 1][below(6)]
        case 1: return Int32(truncatingIfNeeded: next())
        default: return Int32(below(8192)) - 4096
        }
    }
}

enum Operation {
    case family(QuantizedFamily, mean: Int32, logScale: Int32)
    case table(Int)
    case bits(Int)
    case expGolomb(Int)
    case signedExpGolomb(Int)
    case bit
    case binary
    case symbols
}

let families = QuantizedFamily.Distribution.allCases.flatMap { distribution in
    [14, 15, 16].map { QuantizedFamily(distribution, precision: $0)! }
}
let tables: [CDFTable] = [
    try! CDFTable(normalizing: [1], precision: 16),
    try! CDFTable(normalizing: [1, 1], precision: 1),
    try! CDFTable(normalizing: [5, 0, 0, 900, 3, 1], precision: 15),
    try! CDFTable(normalizing: (0..<300).map { UInt64($0 * $0 % 97) }, precision: 12),
]

func operations(seed: UInt64, count: Int) -> [Operation] {
    var random = FuzzRandom(state: seed)
    return (0..<count).map { _ in
        switch random.below(10) {
        case 0..<4: .family(families[random.below(families.count)], mean: random.int32(), logScale: random.int32())
        case 4: .table(random.below(tables.count))
        case 5: .bits(random.below(33))
        case 6: .expGolomb(random.below(17))
        case 7: .signedExpGolomb(random.below(17))
        case 8: .bit
        default: random.below(2) == 0 ? .binary : .symbols
        }
    }
}

enum Decoded: Equatable { case value(Int64), error }

func decodeAll(_ operations: [Operation], bytes: [UInt8]) -> [Decoded] {
    var decoder = RangeDecoder(bytes: bytes)
    var binary = AdaptiveBinaryModel()
    var symbols = AdaptiveSymbolModel(symbolCount: 17)!
    var results: [Decoded] = []
    for operation in operations {
        do {
            let value: Int64 = switch operation {
            case .family(let family, let mean, let logScale): Int64(try decoder.decode(mean: mean, logScale: logScale, using: family))
            case .table(let index): Int64(try decoder.decode(using: tables[index]))
            case .bits(let count): Int64(try decoder.decodeBits(count: count))
            case .expGolomb(let order): Int64(try decoder.decodeExpGolomb(order: order))
            case .signedExpGolomb(let order): Int64(try decoder.decodeSignedExpGolomb(order: order))
            case .bit: try decoder.decodeBit() ? 1 : 0
            case .binary: try decoder.decode(using: &binary) ? 1 : 0
            case .symbols: Int64(try decoder.decode(using: &symbols))
            }
            if case .table(let index) = operation, !(0..<tables[index].symbolCount).contains(Int(value)) { fatalError("table symbol out of range") }
            if case .symbols = operation, !(0..<17).contains(value) { fatalError("adaptive symbol out of range") }
            results.append(.value(value))
        } catch {
            results.append(.error)
            break
        }
    }
    return results
}

func roundTrip(_ operations: [Operation], values: [UInt8]) {
    var random = FuzzRandom(state: values.reduce(0) { $0 &* 31 &+ UInt64($1) })
    var encoder = RangeEncoder()
    var binary = AdaptiveBinaryModel()
    var symbols = AdaptiveSymbolModel(symbolCount: 17)!
    var expected: [Decoded] = []
    for (index, operation) in operations.enumerated() {
        let raw = index < values.count ? UInt64(values[index]) &* 0x1_0001 ^ random.next() : random.next()
        switch operation {
        case .family(let family, let mean, let logScale):
            let value = raw % 4 == 0 ? Int32(truncatingIfNeeded: raw >> 8) : (mean >> 8) &+ Int32(truncatingIfNeeded: Int64(raw >> 8 & 63) - 32)
            encoder.encode(value, mean: mean, logScale: logScale, using: family)
            expected.append(.value(Int64(value)))
        case .table(let table):
            let symbol = Int(raw % UInt64(tables[table].symbolCount))
            encoder.encode(symbol, using: tables[table])
            expected.append(.value(Int64(symbol)))
        case .bits(let count):
            let value = count == 0 ? 0 : UInt32(truncatingIfNeeded: raw) >> UInt32(32 - count)
            encoder.encodeBits(value, count: count)
            expected.append(.value(Int64(value)))
        case .expGolomb(let order):
            let value = UInt32(truncatingIfNeeded: raw) >> UInt32(raw >> 59)
            encoder.encodeExpGolomb(value, order: order)
            expected.append(.value(Int64(value)))
        case .signedExpGolomb(let order):
            let value = Int32(truncatingIfNeeded: raw) >> Int32(raw >> 59)
            encoder.encodeSignedExpGolomb(value, order: order)
            expected.append(.value(Int64(value)))
        case .bit:
            encoder.encodeBit(raw & 1 == 1)
            expected.append(.value(Int64(raw & 1)))
        case .binary:
            encoder.encode(raw % 8 == 0, using: &binary)
            expected.append(.value(raw % 8 == 0 ? 1 : 0))
        case .symbols:
            let symbol = Int(raw % 17)
            encoder.encode(symbol, using: &symbols)
            expected.append(.value(Int64(symbol)))
        }
    }
    let decoded = decodeAll(operations, bytes: encoder.finish())
    if decoded != expected { fatalError("round trip mismatch") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard bytes.count >= 8 else { return 0 }
    let seed = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    let stream = Array(bytes.dropFirst(8))
    let sequence = operations(seed: seed, count: min(400, 4 + stream.count * 2))
    _ = decodeAll(sequence, bytes: stream)
    roundTrip(sequence, values: stream)
    return 0
}
