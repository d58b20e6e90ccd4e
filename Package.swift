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
        .library(name: "Tessera", targets: ["DicomIO", "Imaging", "Scoring", "Tiling", "Validation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
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
        .target(name: "FileOutput"),
        .target(
            name: "DicomIO",
            dependencies: [
                "CDicom", "COpenJPEG",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "CImageIO",
            path: "Sources/CImageIO",
            linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]
        ),
        .target(name: "Imaging", dependencies: ["DicomIO", "CImageIO"]),
        .target(
            name: "Scoring",
            dependencies: ["Imaging", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Profiles")]
        ),
        .target(
            name: "Tiling",
            dependencies: ["Scoring", .product(name: "HeapModule", package: "swift-collections")]
        ),
        .target(name: "Validation", dependencies: ["DicomIO", "Imaging", "CImageIO", "Scoring", "Tiling"]),
        .target(
            name: "Export",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Validation", "CImageIO", "CDicomWrite", "FileOutput",
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "Audit",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Validation", "Export", "FileOutput"]
        ),
        .systemLibrary(name: "CTestZlib", path: "Tests/CTestZlib"),
        .target(
            name: "Batch",
            dependencies: [
                "DicomIO", "Imaging", "Scoring", "Tiling", "Validation", "Export", "FileOutput", "CXXHash",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "TesseraCLI",
            dependencies: [
                "DicomIO", "Imaging", "Scoring", "Tiling", "Validation", "Export", "Audit", "Batch", "FileOutput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test-data locations shared by the test targets (full or compact corpus).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "DicomIOTests",
            dependencies: ["DicomIO", "CXXHash", "TestSupport"]
        ),
        .testTarget(
            name: "TokenizerTests",
            dependencies: ["Imaging", "Scoring", "Tiling", "Validation", "TestSupport"]
        ),
        .testTarget(
            name: "ValidationTests",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Validation", "CTestZlib", "TestSupport"]
        ),
        .testTarget(
            name: "ExportTests",
            dependencies: ["DicomIO", "Imaging", "Scoring", "Tiling", "Validation", "Export", "Audit", "CImageIO", "TestSupport"]
        ),
        .testTarget(
            name: "TesseraCLITests",
            dependencies: ["TesseraCLI", "Batch", "Tiling", "Validation", "CXXHash", "FileOutput", "DicomIO", "TestSupport"]
        ),
    ],
    cxxLanguageStandard: .cxx17
)
