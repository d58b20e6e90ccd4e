// swift-tools-version: 6.0
import PackageDescription

// DCMTK is linked library by library: dcmtk.pc requires sndfile, so
// pkgConfig: "dcmtk" fails on Debian.
let dcmtkLibraries: [LinkerSetting] = [
    "dcmjpls", "dcmtkcharls", "dcmjpeg", "ijg8", "ijg12", "ijg16",
    "dcmimgle", "dcmdata", "oflog", "ofstd", "z",
].map { .linkedLibrary($0) }

let package = Package(
    name: "Tessera",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "tessera", targets: ["TesseraCLI"]),
        .library(name: "DicomIO", targets: ["DicomIO"]),
        .library(name: "Tessera", targets: ["DicomIO", "Imaging", "Scoring", "Tiling", "Annotations", "Calibration"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // C and C++ shims over the system libraries (DCMTK, OpenJPEG, libpng/libjpeg, xxHash).
        .target(
            name: "CDicom",
            path: "Sources/CDicom",
            linkerSettings: dcmtkLibraries + [.linkedLibrary("xxhash")]
        ),
        .target(
            name: "CDicomWrite",
            path: "Sources/CDicomWrite",
            linkerSettings: ["dcmseg", "dcmfg", "dcmiod"].map { .linkedLibrary($0) } + dcmtkLibraries
        ),
        .systemLibrary(name: "COpenJPEG", path: "Sources/COpenJPEG"),
        .systemLibrary(name: "CXXHash", path: "Sources/CXXHash"),
        .target(
            name: "CImageIO",
            path: "Sources/CImageIO",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        // Foundations every module may use: concurrency, hashing, RNG, text, JSON.
        .target(name: "TesseraSupport"),
        .target(name: "FileOutput", dependencies: ["TesseraSupport"]),
        // The pipeline, one way: DICOM I/O → image model → scoring → tiling →
        // annotations → export / calibration → audit / batch → CLI.
        .target(
            name: "DicomIO",
            dependencies: [
                "CDicom", "COpenJPEG", "TesseraSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(name: "Imaging", dependencies: ["DicomIO", "CImageIO", "TesseraSupport"]),
        .target(
            name: "Scoring",
            dependencies: ["Imaging", "TesseraSupport", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Profiles")]
        ),
        .target(
            name: "Tiling",
            dependencies: ["Scoring", "TesseraSupport", .product(name: "HeapModule", package: "swift-collections")]
        ),
        .target(name: "Annotations", dependencies: ["DicomIO", "Imaging", "CImageIO", "Scoring", "Tiling", "TesseraSupport"]),
        .target(name: "Calibration", dependencies: ["Annotations", "DicomIO", "Imaging", "Scoring", "Tiling", "TesseraSupport"]),
        .target(
            name: "Export",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Annotations", "CImageIO", "CDicomWrite", "FileOutput",
                           "TesseraSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Audit",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Annotations", "Calibration", "Export", "FileOutput",
                           "TesseraSupport"]
        ),
        .systemLibrary(name: "CTestZlib", path: "Tests/CTestZlib"),
        .target(
            name: "Batch",
            dependencies: [
                "DicomIO", "Imaging", "Scoring", "Tiling", "Annotations", "Export", "FileOutput", "CXXHash",
                "TesseraSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "TesseraCLI",
            dependencies: [
                "DicomIO", "Imaging", "Scoring", "Tiling", "Annotations", "Calibration", "Export", "Audit", "Batch",
                "FileOutput", "TesseraSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test-data locations shared by the test targets (full or compact corpus).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "DicomIOTests",
            dependencies: ["DicomIO", "CXXHash", "TestSupport", "TesseraSupport"]
        ),
        .testTarget(
            name: "TokenizerTests",
            dependencies: ["Imaging", "Scoring", "Tiling", "Annotations", "Calibration", "TestSupport", "TesseraSupport"]
        ),
        .testTarget(
            name: "ValidationTests",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Annotations", "Calibration", "CTestZlib", "TestSupport",
                           "TesseraSupport"]
        ),
        .testTarget(
            name: "ExportTests",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Annotations", "Calibration", "Export", "Audit", "CImageIO",
                           "TestSupport", "TesseraSupport"]
        ),
        .testTarget(
            name: "TesseraCLITests",
            dependencies: ["TesseraCLI", "Batch", "Tiling", "Annotations", "Calibration", "CXXHash", "FileOutput", "DicomIO",
                           "TestSupport"]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
