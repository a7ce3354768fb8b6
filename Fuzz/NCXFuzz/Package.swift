// swift-tools-version: 6.1
// Mutation fuzzer for the .ncx decoder (not part of the main package's build or tests).
// Run: Fuzz/ncx-fuzz.sh [iterations]
import PackageDescription

let package = Package(
    name: "NCXFuzz",
    dependencies: [.package(name: "NeuralCodec", path: "../..")],
    targets: [
        .executableTarget(name: "NCXFuzz", dependencies: [
            .product(name: "OverfittedCodec", package: "NeuralCodec"),
            .product(name: "ImageCore", package: "NeuralCodec"),
        ]),
    ]
)
