import Annotations
import DicomIO
import Export
import Foundation
import Imaging
import Scoring
import Testing
import Tiling

/// SEG and Secondary Capture objects: valid per dciodvfy (dicom3tools), read
/// back pixel-exact by our loader, and read by pydicom and highdicom with
/// references that match the source.
@Suite(.serialized) struct DerivedDICOMTests {
    /// A CT slice with a frame of reference and geometry; an enhanced MR
    /// frame (multi-frame, frame of reference but no plane geometry); a
    /// mammogram (a projection radiograph without a frame of reference).
    static let sources: [(String, Int, Bool)] = [
        (TestData.lidcSlice, 0, true),
        // MR: outside every profile's calibrated distribution, so tokenized
        // conservatively (every foreground cell a finest token).
        (TestData.shared + "/conformance/emri_small.dcm", 3, true),
        (TestData.samples + "/mg/sfm-benign-0_1-130.dcm", 0, true),
    ]

    @Test(arguments: sources)
    func segmentationAndSecondaryCapture(path: String, frame: Int, hasFinestTokens: Bool) throws {
        let dir = try TestData.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let loader = try ImageLoader(path: path)
        let header = try #require(loader.dicomHeader)
        let plane = try loader.plane(frame: frame)
        let profile = try Profile.builtIn(for: loader.domain)
        let tokenized = Tokenizer.tokenize(plane, source: loader.source(frame: frame), domain: loader.domain, profile: profile)
        let seg = dir.appendingPathComponent("out.seg.dcm").path, sc = dir.appendingPathComponent("out.sc.dcm").path
        let binary = dir.appendingPathComponent("out.binary.seg.dcm").path
        let (heatmap, _) = try HeatmapExport.write(tokenized, plane: plane, source: header, frame: frame,
                                                   profileName: profile.profile.name, rois: [],
                                                   options: HeatmapOptions(maxSize: 400),
                                                   outputs: HeatmapOutputs(segmentation: seg, binarySegmentation: binary,
                                                                           secondaryCapture: sc))
        let planes = SegmentationPlanes.make(scored: tokenized.scored, map: tokenized.map)
        let finest = planes.finest.filter { $0 == 255 }.count
        #expect((finest > 0) == hasFinestTokens)
        // The coverage rule's finest tokens: no side longer than basePatch.
        let base = tokenized.map.basePatch
        #expect(finest == tokenized.map.tokens.filter { $0.w <= base && $0.h <= base }.reduce(0) { $0 + $1.w * $1.h })

        // dicom3tools' validator: no errors (warnings about the source's own
        // missing Study ID and our private coding scheme are expected).
        for file in [seg, binary, sc] {
            let result = try TestData.run("dciodvfy", [file])
            let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("Error") || $0.hasPrefix("Abort") }
            #expect(errors.isEmpty, "\(file): \(errors)")
            #expect(result.output.contains(file == sc ? "SCImage" : "Segmentation"), "dciodvfy ran: \(result.output)")
        }

        // Our own loader: same study, two frames holding exactly what we wrote.
        let readBack = try DicomImage(path: seg)
        #expect(readBack.header.modality == "SEG" && readBack.frames == 2)
        #expect(readBack.header.studyInstanceUID == header.studyInstanceUID)
        #expect(readBack.header.seriesInstanceUID != header.seriesInstanceUID)
        #expect(try readBack.storedFrame(0).values == planes.score.map { Int32($0) })
        #expect(try readBack.storedFrame(1).values == planes.finest.map { Int32($0) })
        // The binary SEG: one frame, the finest-token region as 0/1, in its own series.
        let binaryBack = try DicomImage(path: binary)
        #expect(binaryBack.frames == 1 && binaryBack.header.seriesInstanceUID != readBack.header.seriesInstanceUID)
        #expect(try binaryBack.storedFrame(0).values == planes.finest.map { $0 == 0 ? Int32(0) : 1 })
        let rois = try SegReader.read(path: seg)
        #expect(rois.allSatisfy { $0.sourceSOPInstanceUID == header.sopInstanceUID && $0.sourceFrame == frame })
        if hasFinestTokens {
            let finestROI = try #require(rois.first { $0.roi.label == "Finest tokens" })
            #expect(finestROI.roi.pixels(rows: plane.rows, columns: plane.columns).count == finest)
            #expect(Coverage.evaluate(tokenized.map, rois: [finestROI.roi]).first?.resolved == true)
        }

        let capture = try DicomImage(path: sc)
        #expect(capture.format.samplesPerPixel == 3)
        #expect(capture.format.rows == heatmap.canvas.height && capture.format.columns == heatmap.canvas.width)
        #expect(try capture.storedFrame(0).values == heatmap.canvas.pixels.map { Int32($0) })

        let python = try TestData.run("python3", [
            TestData.repo.appendingPathComponent("scripts/check_derived_dicom.py").path, "--source", path,
            "--frame", String(frame), "--seg", seg, "--score-sum", String(planes.score.reduce(0) { $0 + Int($1) }),
            "--finest-count", String(finest), "--seg-binary", binary, "--sc", sc,
        ])
        #expect(python.status == 0 && python.output.contains("ok"), "\(python.output)")
    }

    @Test func photographsHaveNoSourceToReference() throws {
        let path = TestData.shared + "/natural/coffee.png"
        let loader = try ImageLoader(path: path)
        let plane = try loader.plane(frame: 0)
        let tokenized = Tokenizer.tokenize(plane, source: loader.source(frame: 0), domain: .natural,
                                           profile: try Profile.builtIn(for: .natural))
        let dir = try TestData.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("x.png").path, seg = dir.appendingPathComponent("x.seg.dcm").path
        #expect(throws: ExportError.self) {
            try HeatmapExport.write(tokenized, plane: plane, source: nil, frame: 0, profileName: "natural", rois: [],
                                    options: HeatmapOptions(), outputs: HeatmapOutputs(png: png, segmentation: seg))
        }
        // Checked before anything is written: not even the PNG.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
