import Annotations
import Export
import Foundation
import Imaging
import Scoring
import Testing
import Tiling

/// Heatmap PNGs, written with libpng and read back with libpng.
@Suite struct HeatmapPNGTests {
    struct Slice {
        let loader: ImageLoader
        let plane: ImagePlane
        let rois: [ROI]
    }

    static func lidc() throws -> Slice {
        let loader = try ImageLoader(path: TestData.lidcSlice)
        let plane = try loader.plane(frame: 0)
        let rois = try ROISources.load(TestData.lidcXML, image: loader, frame: 0, plane: plane)
        return Slice(loader: loader, plane: plane, rois: rois)
    }

    static func write(_ s: Slice, profile: LoadedProfile, options: HeatmapOptions, to path: String) throws -> (TokenizedImage, [CoverageResult]) {
        let tokenized = Tokenizer.tokenize(s.plane, source: s.loader.source(frame: 0), domain: .ct, profile: profile)
        let (_, coverage) = try HeatmapExport.write(tokenized, plane: s.plane, source: s.loader.dicomHeader, frame: 0,
                                                    profileName: profile.profile.name, rois: s.rois, options: options,
                                                    outputs: HeatmapOutputs(png: path))
        return (tokenized, coverage)
    }

    /// Pixels in dropped regions carry nothing but the windowed image, so
    /// there the PNG must equal the standard preset through the DICOM VOI
    /// function, computed here independently from the HU values.
    @Test(arguments: [("lung", -600.0, 1500.0), ("mediastinum", 50.0, 350.0), ("bone", 400.0, 1800.0)])
    func windowingMatchesThePreset(name: String, center: Double, width: Double) throws {
        let dir = try TestData.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let slice = try Self.lidc()
        let path = dir.appendingPathComponent("w.png").path
        let (tokenized, _) = try Self.write(slice, profile: try Profile.load("ct"),
                                            options: HeatmapOptions(window: DisplayWindow(argument: name)!, overlay: .both), to: path)
        let png = try TestData.readPNG(path)
        #expect(png.width == 512 && png.channels == 3)
        #expect(png.height > 512 && png.height < 600, "image plus legend strip")
        var checked = 0, levels = Set<UInt8>()
        for region in tokenized.map.dropped {
            // One pixel in from the region's edge: token borders may touch it.
            for y in (region.y + 1)..<(region.y + region.h - 1) {
                for x in (region.x + 1)..<(region.x + region.w - 1) {
                    let hu = Double(slice.plane[y, x])
                    let lower = center - 0.5 - (width - 1) / 2, upper = center - 0.5 + (width - 1) / 2
                    let expected = hu <= lower ? 0.0 : hu > upper ? 255.0 : ((hu - (center - 0.5)) / (width - 1) + 0.5) * 255
                    let i = (y * png.width + x) * 3
                    #expect(png.pixels[i] == png.pixels[i + 1] && png.pixels[i + 1] == png.pixels[i + 2])
                    #expect(abs(Double(png.pixels[i]) - expected) <= 0.51, "(\(x), \(y)) HU \(hu)")
                    levels.insert(png.pixels[i])
                    checked += 1
                }
            }
        }
        #expect(checked > 20_000, "background pixels checked")
        if name == "lung" { #expect(levels.count > 20, "air and padding take many grey levels in the lung window") }
    }

    /// A profile that coarsens almost everything leaves the nodule contours
    /// skipped: their outline pixels must be drawn in the skipped colour.
    @Test func skippedROIsAreOutlinedInTheSkippedColour() throws {
        let dir = try TestData.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let slice = try Self.lidc()
        #expect(slice.rois.count == 3, "three readers contoured the nodule on this slice")
        // No homogeneity certificate either: nothing keeps the nodule fine.
        var weak = try Profile.load("ct").profile.withoutCertificate()
        weak.safetyThreshold = 0.9999
        weak.thresholds = weak.thresholds.map { _ in 0.9999 }
        let path = dir.appendingPathComponent("weak.png").path
        let (_, coverage) = try Self.write(slice, profile: LoadedProfile(profile: weak, sha256: "weak", source: "test"),
                                           options: HeatmapOptions(window: .preset(.lung)), to: path)
        let skipped = coverage.filter { !$0.resolved }
        #expect(!skipped.isEmpty)
        let png = try TestData.readPNG(path)
        let skippedIDs = Set(skipped.map(\.id))
        var outlinePixels = 0
        for roi in slice.rois where skippedIDs.contains(roi.id) {
            let outline = HeatmapRenderer.outline(roi, rows: 512, columns: 512, width: 512, height: 512, sx: 1, sy: 1)
            #expect(outline.count > 20)
            for p in outline {
                let c = Array(png.pixels[(p * 3)..<(p * 3 + 3)])
                #expect(c == [255, 0, 170], "outline pixel \(p % 512),\(p / 512)")
            }
            outlinePixels += outline.count
        }
        #expect(outlinePixels > 80)
        // The legend names the skipped ROIs in the skipped colour.
        let legend = png.pixels[(512 * 512 * 3)...]
        var magenta = 0
        for i in stride(from: legend.startIndex, to: legend.endIndex, by: 3)
        where legend[i] == 255 && legend[i + 1] == 0 && legend[i + 2] == 170 { magenta += 1 }
        #expect(magenta > 200, "skipped swatch and ROI ids in the legend")

        // The calibrated profile resolves them: green outlines, no magenta on the image.
        let good = dir.appendingPathComponent("good.png").path
        let (_, fine) = try Self.write(slice, profile: try Profile.load("ct"), options: HeatmapOptions(window: .preset(.lung)), to: good)
        #expect(fine.allSatisfy { $0.resolved })
        let goodPNG = try TestData.readPNG(good)
        for roi in slice.rois {
            for p in HeatmapRenderer.outline(roi, rows: 512, columns: 512, width: 512, height: 512, sx: 1, sy: 1) {
                #expect(Array(goodPNG.pixels[(p * 3)..<(p * 3 + 3)]) == [0, 230, 118])
            }
        }
    }

    @Test func maxSizeDownscalesAndKeepsSmallROIsVisible() throws {
        let dir = try TestData.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let slice = try Self.lidc()
        let path = dir.appendingPathComponent("small.png").path
        _ = try Self.write(slice, profile: try Profile.load("ct"),
                           options: HeatmapOptions(window: .preset(.lung), maxSize: 128), to: path)
        let png = try TestData.readPNG(path)
        #expect(png.width == 128)
        #expect(png.height > 128 && png.height < 128 + 160, "image and a legend wrapped to the narrow width")
        var green = 0
        for i in stride(from: 0, to: 128 * 128 * 3, by: 3)
        where png.pixels[i] == 0 && png.pixels[i + 1] == 230 && png.pixels[i + 2] == 118 { green += 1 }
        #expect(green >= 4, "the nodule outline survives a 4× downscale")
    }

    /// X-rays have no HU: a CT preset is refused, auto uses the percentiles
    /// and MONOCHROME1 displays inverted.
    @Test func radiographWindowing() throws {
        let path = TestData.shared + "/xray/RG1_J2KR.dcm"  // J2K lossless: the same pixels as RG1_UNCR
        let loader = try ImageLoader(path: path)
        let plane = try loader.plane(frame: 0)
        #expect(throws: ExportError.self) {
            try DisplayWindow.preset(.lung).resolve(plane, domain: .xray, headerWindow: nil)
        }
        let window = try DisplayWindow.auto.resolve(plane, domain: .xray, headerWindow: nil)
        #expect(plane.monochrome1 && window.inverted, "RG1 is MONOCHROME1: low values display white")
        let sorted = plane.values.sorted()
        let low = sorted[sorted.count / 200], high = sorted[sorted.count * 199 / 200]
        // The 0.5th and 99.5th percentiles land at the ends of the range, inverted.
        let a = window.grey(low), b = window.grey(high)
        #expect(a >= 252 && b <= 3, "grey \(a), \(b)")
        // A MONOCHROME2 radiograph (a mammogram) is not inverted.
        let dx = try ImageLoader(path: TestData.samples + "/mg/sfm-benign-0_1-130.dcm").plane(frame: 0)
        let dxWindow = try DisplayWindow.auto.resolve(dx, domain: .xray, headerWindow: nil)
        let dxSorted = dx.values.sorted()
        #expect(!dxWindow.inverted && dxWindow.grey(dxSorted[dxSorted.count / 200]) <= 3
                && dxWindow.grey(dxSorted[dxSorted.count * 199 / 200]) >= 252)
    }

    /// The tables are matplotlib's own: exact at the hex values matplotlib's
    /// `to_hex` gives (viridis(0.5) is entry 128).
    @Test func colormapsAreMatplotlibsExactly() {
        let expected: [(Colormap, Int, RGB)] = [
            (.viridis, 0, RGB(0x44, 0x01, 0x54)), (.viridis, 128, RGB(0x21, 0x91, 0x8c)), (.viridis, 255, RGB(0xfd, 0xe7, 0x25)),
            (.inferno, 0, RGB(0x00, 0x00, 0x04)), (.inferno, 128, RGB(0xbc, 0x37, 0x54)), (.inferno, 255, RGB(0xfc, 0xff, 0xa4)),
        ]
        for (map, i, c) in expected { #expect(map.table()[i] == c, "\(map)[\(i)] = \(map.table()[i]), matplotlib \(c)") }
        let lut = Colormap.viridis.table()
        // Lightness rises monotonically (perceptual order): Rec. 709 luma.
        let luma = lut.map { 0.2126 * Double($0.r) + 0.7152 * Double($0.g) + 0.0722 * Double($0.b) }
        #expect(zip(luma, luma.dropFirst()).allSatisfy { $0 <= $1 + 0.5 })
    }
}
