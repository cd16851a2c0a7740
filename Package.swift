// swift-tools-version:6.1
import PackageDescription

/// DCMTK 3.6.7 as Debian ships it (libdcmtk-dev); listed explicitly because its pkg-config file
/// drags in libsndfile and SwiftPM silently drops every flag when that is missing.
let dcmtkLibraries: [LinkerSetting] = [
    "dcmseg", "dcmfg", "dcmiod", "dcmjpls", "dcmtkcharls", "dcmjpeg", "ijg8", "ijg12", "ijg16",
    "dcmimage", "dcmimgle", "dcmdata", "oflog", "ofstd", "openjp2", "z",
].map { .linkedLibrary($0) }

/// Hot loops hand raw buffers to kernels that own them exclusively; dynamic exclusivity checks
/// there only cost time (measured in the profile of the vision forward).
let numericSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]

let package = Package(
    name: "medvmad",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "medvmad", targets: ["medvmad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // C shims
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "CNIfTIShim",
            cSettings: [.unsafeFlags(["-I/usr/include/nifti"])],
            linkerSettings: [.linkedLibrary("nifti2"), .linkedLibrary("znz"), .linkedLibrary("z"), .linkedLibrary("m")]
        ),
        .target(name: "CPNGBridge", dependencies: ["CPNG"], linkerSettings: [.linkedLibrary("png16")]),
        .target(
            name: "CDcmBridge",
            cxxSettings: [.unsafeFlags(["-Wno-deprecated-declarations", "-I/usr/include/openjpeg-2.5"])],
            linkerSettings: dcmtkLibraries
        ),

        // Numeric core
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: numericSettings),
        .target(name: "Checkpoint", dependencies: ["Tensor", "CZlib", "COpenSSL"]),
        .target(name: "Raster", dependencies: ["CPNGBridge"]),
        .target(
            name: "CLIP",
            dependencies: ["Tensor", "Checkpoint", "Raster", "CZlib"],
            resources: [.copy("Resources/bpe_simple_vocab_16e6.txt.gz")],
            swiftSettings: numericSettings
        ),

        // Method, metrics, imaging
        .target(name: "MedVMAD", dependencies: ["CLIP", "Tensor", "Checkpoint", "Raster", "Metrics"], swiftSettings: numericSettings),
        .target(name: "Metrics"),
        .target(name: "MedIO", dependencies: ["CDcmBridge", "CNIfTIShim", "Raster"]),
        .target(name: "Synthesis", dependencies: ["MedIO", "Raster", "CDcmBridge"]),

        // Glue and CLI
        .target(
            name: "Pipeline",
            dependencies: [
                "MedVMAD", "MedIO", "Metrics", "Checkpoint", "Raster", .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"), .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "medvmad",
            dependencies: [
                "Pipeline", "MedVMAD", "MedIO", "Metrics", "CLIP", "Checkpoint", "Tensor", "Synthesis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // libFuzzer harnesses for every reader of untrusted files (scripts/fuzz.sh builds them with
        // -sanitize=fuzzer; a normal build makes a replay tool that runs inputs given as arguments).
        .executableTarget(name: "Fuzz", dependencies: ["MedIO", "Checkpoint", "Raster", "Pipeline"]),

        // Tests
        .target(name: "FixtureSupport", dependencies: ["Checkpoint", "Tensor"], path: "Tests/FixtureSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "FixtureSupport"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["MedIO", "Checkpoint", "Raster", "Pipeline", "FixtureSupport"], exclude: ["Inputs"]),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "FixtureSupport"]),
        .testTarget(name: "RasterTests", dependencies: ["Raster", "FixtureSupport"], exclude: ["make_resize_fixtures.py", "make_colormap_fixtures.py"]),
        .testTarget(name: "CLIPTests", dependencies: ["CLIP", "FixtureSupport"], exclude: ["make_tokenizer_fixtures.py"]),
        .testTarget(name: "MedVMADTests", dependencies: ["MedVMAD", "Metrics", "FixtureSupport"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "MedIO", "Raster", "FixtureSupport"]),
        .executableTarget(name: "pipeline-kill-harness", dependencies: ["Pipeline"], path: "Tests/PipelineKillHarness"),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "MedVMAD", "MedIO", "CLIP", "Checkpoint", "FixtureSupport"], exclude: ["slurm-loopback.sh", "orthanc-loopback.sh", "check_pipeline_outputs.py"]),
        .testTarget(name: "MedIOTests", dependencies: ["MedIO", "FixtureSupport"], exclude: ["check_dicom_outputs.py", "make_dicom_reference.py", "make_nifti_reference.py"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "FixtureSupport"]),
        .testTarget(name: "BenchTests", dependencies: ["medvmad"]),
    ],
    cxxLanguageStandard: .cxx17
)
