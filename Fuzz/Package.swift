// swift-tools-version: 6.0
// libFuzzer harness for the DICOM reader: `bash scripts/fuzz.sh [SECONDS]`
// builds it with -sanitize=fuzzer,address and runs it on a corpus seeded
// with the conformance files and Tests/Corpus/hostile. A separate package so
// the product's own build never carries sanitizer flags.
import PackageDescription

let package = Package(
    name: "TesseraFuzz",
    dependencies: [.package(name: "Tessera", path: "..")],
    targets: [
        .executableTarget(
            name: "FuzzDicom",
            dependencies: [.product(name: "DicomIO", package: "Tessera")],
            path: "Sources/FuzzDicom"
        ),
    ]
)
