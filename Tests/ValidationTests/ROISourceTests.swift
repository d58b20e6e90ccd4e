import CImageIO
import DicomIO
import Foundation
import Testing
@testable import Annotations

@Suite struct ROISourceTests {
    /// IBSI's RTSTRUCT GTV, whose referenced UIDs do not resolve, matched by
    /// Frame of Reference + plane and rasterised, against IBSI's own voxel mask.
    @Test func ibsiRTStructMatchesIBSIsNIfTIMask() async throws {
        let base = TestData.shared + "/ct/ibsi-sts001"
        let report = await SeriesAssembly.assemble(root: base + "/dicom/image")
        let series = try #require(report.series.first)
        let headers = try series.instances.map { try ImageHeader(file: DicomFile(path: $0.path, headerOnly: true)) }
        let contours = try RTStructReader.contours(path: base + "/dicom/mask/RS.dcm")
        #expect(contours.count == 32)
        #expect(contours.allSatisfy { c in !headers.contains { $0.sopInstanceUID == c.referencedSOPInstanceUID } },
                "IBSI's referenced UIDs are known not to resolve")
        let rois = RTStructReader.rois(contours, series: headers)
        #expect(rois.count == 31, "contoured slices")

        // NIfTI-1: 348-byte header, data at vox_offset; x = column, y = row, z = slice from the
        // lowest z (qform: 180° about z, i.e. LPS axes as DICOM's).
        let bytes = try TestData.gunzip(Data(contentsOf: URL(fileURLWithPath: base + "/nifti/CT_mask.nii.gz")))
        let dims = (0..<4).map { i in Int(Int16(bitPattern: UInt16(bytes[42 + 2 * i]) | UInt16(bytes[43 + 2 * i]) << 8)) }
        #expect(dims == [198, 202, 59, 1])
        let offset = Int(Float(bitPattern: UInt32(bytes[108]) | UInt32(bytes[109]) << 8 | UInt32(bytes[110]) << 16 | UInt32(bytes[111]) << 24))
        let (cols, rows) = (dims[0], dims[1])
        var total = 0
        for (k, instance) in series.instances.enumerated() {
            let uid = try #require(instance.sopInstanceUID)
            let nifti = Set((0..<(rows * cols)).filter { bytes[offset + k * rows * cols + $0] != 0 })
            let ours = Set(rois[uid]?.flatMap { $0.pixels(rows: rows, columns: cols) } ?? [])
            total += nifti.count
            guard !nifti.isEmpty || !ours.isEmpty else { continue }
            let dice = 2 * Double(nifti.intersection(ours).count) / Double(nifti.count + ours.count)
            #expect(dice >= 0.95, "slice \(k): Dice \(dice) (\(ours.count) vs \(nifti.count) pixels)")
        }
        #expect(total == 117_145)
    }

    /// pydicom's reference: liver.dcm holds 3 binary frames with a mean of 0.13618215.
    @Test func dicomSEGFramesBecomeROIs() throws {
        let rois = try SegReader.read(path: TestData.shared + "/conformance/liver.dcm")
        #expect(rois.count == 3)
        let pixels = rois.reduce(0) { $0 + $1.roi.pixels(rows: 512, columns: 512).count }
        #expect(pixels == Int((0.1361821492513021 * 3 * 512 * 512).rounded()))
        #expect(rois.allSatisfy { $0.sourceSOPInstanceUID != nil && $0.roi.label != nil })
    }

    @Test func pngMaskLabelsBecomeROIs() throws {
        let dir = try TestData.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        var pixels = [UInt8](repeating: 0, count: 64 * 48)
        for y in 10..<20 { for x in 5..<15 { pixels[y * 64 + x] = 1 } }
        for y in 30..<33 { for x in 40..<60 { pixels[y * 64 + x] = 200 } }
        let path = dir.appendingPathComponent("mask.png").path
        var err = [CChar](repeating: 0, count: 128)
        #expect(timg_write_png(path, pixels, 64, 48, 1, &err, err.count) == 0)
        let rois = try ROIFile.readPNGMask(path: path)
        #expect(rois.map(\.id) == ["label1", "label200"])
        #expect(rois[0].pixels(rows: 48, columns: 64).count == 100 && rois[1].pixels(rows: 48, columns: 64).count == 60)
    }

    @Test func jsonROIsRoundTripAndFollowTheContract() throws {
        let set = ROISet(image: .init(path: "a.dcm", sopInstanceUID: "1.2", frame: 0, rows: 40, columns: 40), rois: [
            ROI(id: "b", label: "nodule", shape: .box(x: 2, y: 3, w: 4, h: 5)),
            ROI(id: "c", shape: .circle(cx: 20.5, cy: 20, r: 3)),
            ROI(id: "p", shape: .polygon(points: [[10, 10], [20, 10], [20, 20], [10, 20]])),
            ROI.fromPixels(id: "m", label: nil, pixels: [41, 42, 43, 81], columns: 40),
        ])
        let data = try JSONEncoder().encode(set)
        let back = try JSONDecoder().decode(ROISet.self, from: data)
        #expect(back == set)
        #expect(set.rois[0].pixels(rows: 40, columns: 40).count == 20)
        // circle: (x-cx)^2 + (y-cy)^2 <= r^2 over integer pixel coordinates
        var expected = 0
        for y in 0..<40 { for x in 0..<40 where (Double(x) - 20.5) * (Double(x) - 20.5) + (Double(y) - 20) * (Double(y) - 20) <= 9 { expected += 1 } }
        #expect(set.rois[1].pixels(rows: 40, columns: 40).count == expected)
        // polygon: pixel centres strictly inside the 10×10 square
        #expect(set.rois[2].pixels(rows: 40, columns: 40).count == 100)
        #expect(set.rois[3].pixels(rows: 40, columns: 40) == [41, 42, 43, 81])
        guard case .maskRLE(let bbox, let runs) = set.rois[3].shape else { Issue.record("not RLE"); return }
        #expect(bbox == [1, 1, 3, 2] && runs == [41, 3, 81, 1])
    }
}
