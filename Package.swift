// swift-tools-version: 6.1
// NeuralCodec: neural image compression on the CPU.
// Layers, lowest first: ImageCore, EntropyCoding, NeuralKernels, QualityMetrics -> OverfittedCodec -> CodecBench -> NCodecCLI -> ncodec.
import PackageDescription

let package = Package(
    name: "NeuralCodec",
    products: [
        .executable(name: "ncodec", targets: ["ncodec"]),
        .library(name: "ImageCore", targets: ["ImageCore"]),
        .library(name: "EntropyCoding", targets: ["EntropyCoding"]),
        .library(name: "NeuralKernels", targets: ["NeuralKernels"]),
        .library(name: "QualityMetrics", targets: ["QualityMetrics"]),
        .library(name: "OverfittedCodec", targets: ["OverfittedCodec"]),
        .library(name: "CodecBench", targets: ["CodecBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Layer 1: images, entropy coding, compute, metrics. None imports another layer-1 target except via ImageCore.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "CPNGSupport", dependencies: ["CPNG"]),  // C: keeps libpng's setjmp/longjmp out of Swift
        .target(name: "CJPEGSupport", linkerSettings: [.linkedLibrary("jpeg")]),  // C: libjpeg's longjmp stays in C
        .target(name: "ImageCore", dependencies: ["CPNGSupport", "CJPEGSupport"]),
        .target(name: "EntropyCoding"),
        // NeuralKernels' AVX2 loops in C (function-level target attributes, run-time CPU check: no build flags).
        .target(name: "CNeuralKernels"),
        .target(name: "NeuralKernels", dependencies: ["CNeuralKernels"]),
        .target(name: "QualityMetrics", dependencies: ["ImageCore"]),
        // Layer 2: codecs.
        .target(name: "OverfittedCodec", dependencies: ["ImageCore", "EntropyCoding", "NeuralKernels", "CNeuralKernels"]),
        // Layer 3: evaluation against real codecs.
        .target(name: "CodecBench", dependencies: ["ImageCore", "QualityMetrics", "OverfittedCodec"]),
        // Layer 4: the command-line tool (logic in a library so it can be tested).
        .target(name: "NCodecCLI", dependencies: [
            "ImageCore", "EntropyCoding", "NeuralKernels", "QualityMetrics", "OverfittedCodec", "CodecBench",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ncodec", dependencies: ["NCodecCLI"]),

        // Benchmarks: programs, not tests. `swift run -c release <Name>`; results go to benchmarks/results/.
        .executableTarget(name: "EntropyBenchmark", dependencies: ["EntropyCoding"], path: "Benchmarks/EntropyBenchmark"),
        .executableTarget(name: "ComputeBenchmark", dependencies: ["NeuralKernels", "ImageCore", "OverfittedCodec"], path: "Benchmarks/ComputeBenchmark"),
        .executableTarget(name: "MetricsBenchmark", dependencies: ["ImageCore", "QualityMetrics"], path: "Benchmarks/MetricsBenchmark"),
        .executableTarget(name: "CodecBenchmark", dependencies: ["ImageCore", "QualityMetrics", "OverfittedCodec", "CodecBench"], path: "Benchmarks/CodecBenchmark"),

        .testTarget(name: "ImageCoreTests", dependencies: ["ImageCore"]),
        .testTarget(name: "QualityMetricsTests", dependencies: ["QualityMetrics", "ImageCore"], exclude: ["Fixtures"]),
        .testTarget(name: "EntropyCodingTests", dependencies: ["EntropyCoding"]),
        .testTarget(name: "NCodecCLITests", dependencies: ["NCodecCLI"]),
        .testTarget(name: "NeuralKernelsTests", dependencies: ["NeuralKernels"]),
        .testTarget(name: "OverfittedCodecTests", dependencies: ["OverfittedCodec", "ImageCore"]),
        .testTarget(name: "CodecBenchTests", dependencies: ["CodecBench", "ImageCore", "QualityMetrics"]),
    ]
)
