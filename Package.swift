// swift-tools-version:6.0
// NetLang: a small language for describing, training and inverting neural networks.
// Pipeline (see docs/architecture.md):
//   NetLang (lexer → parser → AST → checker → lowering)  →  NetRuntime (tensors, kernels,
//   graph IR, autodiff, executor, optimisers)  →  netl (CLI, REPL, bench)
import PackageDescription

// Release builds of the numeric targets: -O, which keeps Swift's overflow and bounds
// checks (an index or size that escaped validation stops with a trap instead of reading or
// writing out of bounds; -Ounchecked wrapped silently). The kernels' inner loops index
// through unsafe pointers, whose ranges follow from the shapes by construction, so they
// pay nothing for it. On x86-64 the Haswell instruction set (AVX2, FMA) lets elementwise
// loops vectorise 8 floats wide. Set NETL_PORTABLE=1 when building for a CPU without AVX2.
var numericFlags = ["-O"]
#if arch(x86_64)
if Context.environment["NETL_PORTABLE"] == nil { numericFlags += ["-target-cpu", "haswell"] }
#endif

let package = Package(
    name: "NetLang",
    products: [
        .executable(name: "netl", targets: ["netl"]),
        .library(name: "NetRuntime", targets: ["NetRuntime"]),
        .library(name: "NetLibrary", targets: ["NetLibrary"]),
        .library(name: "NetLang", targets: ["NetLang"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenBLAS (CBLAS) + LAPACKE, found through pkg-config; `make deps` installs them.
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]
        ),
        // zlib, for reading gzip-compressed data sets (digits.csv.gz).
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // GLPK, the simplex method for the linear programs of chapter 3 (preimages of ReLU
        // layers, omnidirectionality); `make deps` installs libglpk-dev.
        .systemLibrary(
            name: "CGLPK",
            path: "Sources/CGLPK",
            providers: [.apt(["libglpk-dev"])]
        ),
        // GNU readline, wrapped in small C functions (Swift 6 cannot touch its C globals).
        .target(
            name: "CReadline",
            path: "Sources/CReadline",
            linkerSettings: [.linkedLibrary("readline")]
        ),
        // Open MPI, dlopened at run time only under mpirun (data-parallel training).
        .target(
            name: "CMPI",
            path: "Sources/CMPI",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // Kernels written with AVX-512 intrinsics, called only on CPUs that have them
        // (`WideKernels`); always optimised, so debug builds do not crawl through them.
        .target(
            name: "CKernels",
            path: "Sources/CKernels",
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        .target(
            name: "NetRuntime",
            dependencies: ["CBLAS", "CZlib", "CMPI", "CKernels"],
            path: "Sources/NetRuntime",
            swiftSettings: [.unsafeFlags(numericFlags, .when(configuration: .release))]
        ),
        // Layers, Lipschitz constraints, flows and estimators of the thesis, built on the
        // graph API of NetRuntime.
        .target(
            name: "NetLibrary",
            dependencies: ["NetRuntime", "CGLPK"],
            path: "Sources/NetLibrary",
            swiftSettings: [.unsafeFlags(numericFlags, .when(configuration: .release))]
        ),
        // The language: lexer → parser → AST → checker → interpreter (lowering onto the graph).
        .target(
            name: "NetLang",
            dependencies: ["NetRuntime", "NetLibrary"],
            path: "Sources/NetLang"
        ),
        .executableTarget(
            name: "netl",
            dependencies: [
                "NetLang", "NetRuntime", "NetLibrary", "CReadline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/netl"
        ),
        // Support shared by the test targets: Float64 gradient checks, and a heap-allocation
        // counter (interposes malloc in the test executable; Linux/glibc).
        .target(name: "CAllocationCounter", path: "Tests/Support/CAllocationCounter"),
        .target(
            name: "NetTestSupport",
            dependencies: ["NetRuntime", "CAllocationCounter"],
            path: "Tests/Support/NetTestSupport"
        ),
        .testTarget(
            name: "NetRuntimeTests",
            dependencies: ["NetRuntime", "NetTestSupport"],
            path: "Tests/NetRuntimeTests"
        ),
        .testTarget(
            name: "NetLangTests",
            dependencies: ["NetLang", "NetRuntime", "NetLibrary", "NetTestSupport"],
            path: "Tests/NetLangTests",
            exclude: ["Golden"]
        ),
        .testTarget(
            name: "NetlTests",
            dependencies: ["netl", "NetRuntime"],
            path: "Tests/NetlTests",
            // editors/vscode/extension.js run by node against a stand-in VS Code API.
            exclude: ["VSCodeHarness"]
        ),
        .testTarget(
            name: "NetLibraryTests",
            dependencies: ["NetLibrary", "NetRuntime"],
            path: "Tests/NetLibraryTests"
        ),
    ]
)
