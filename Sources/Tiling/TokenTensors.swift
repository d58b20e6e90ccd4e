import Foundation
import Imaging
import TesseraSupport

/// A token map as tensors for a vision transformer (`tessera.tokens/1`,
/// docs/tokens-format.md), written as one safetensors file per frame:
/// `patches` f16 [N, 1, P, P], `boxes` [N, 4] (x, y, w, h), `level` u8 [N],
/// `score` f16 [N], `code` i32 [N] (−1: none), `certified` u8 [N] (0 where
/// the homogeneity certificate could not prove the cell), and `pyramid` f16
/// [N, F] when the map carries features. Tokens in the token map's order.
public enum TokenTensors {
    public static let schemaID = "tessera.tokens/1"

    /// The file's bytes. `boxes` are i16 unless a coordinate exceeds 32767
    /// (an image that wide), then i32: the header says which.
    public static func safetensors(_ image: TokenizedImage) -> [UInt8] {
        let map = image.map, n = map.tokens.count, side = map.basePatch
        var writer = SafetensorsWriter()
        writer.add("patches", shape: [n, 1, side, side], float16: image.patches().map { Float16($0) })
        let boxes = map.tokens.flatMap { [$0.x, $0.y, $0.w, $0.h] }
        if boxes.allSatisfy({ $0 <= Int(Int16.max) }) {
            writer.add("boxes", shape: [n, 4], int16: boxes.map { Int16($0) })
        } else {
            writer.add("boxes", shape: [n, 4], int32: boxes.map { Int32($0) })
        }
        writer.add("level", shape: [n], uint8: map.tokens.map { UInt8(clamping: $0.level) })
        writer.add("score", shape: [n], float16: map.tokens.map { Float16(Float($0.score)) })
        writer.add("code", shape: [n], int32: map.tokens.map { Int32(clamping: $0.code ?? -1) })
        writer.add("certified", shape: [n], uint8: map.tokens.map { $0.certified == false ? 0 : 1 })
        let featureCount = map.stats.featureNames?.count ?? 0
        if featureCount > 0, map.tokens.allSatisfy({ $0.features?.count == featureCount }) {
            writer.add("pyramid", shape: [n, featureCount], float16: map.tokens.flatMap { $0.features!.map { Float16(Float($0)) } })
        }
        return writer.bytes(metadata: metadata(image))
    }

    /// Everything a reader needs to use the tensors without the token map:
    /// strings only (the format's rule), numbers as JSON text.
    static func metadata(_ image: TokenizedImage) -> [String: String] {
        let map = image.map, window = image.scored.window
        let spacing = map.image.pixelSpacingMM.map { "[" + $0.map { JSONWriter.number($0) }.joined(separator: ",") + "]" } ?? "null"
        let invert = image.scored.plane.monochrome1
        let normalization = "{\"window\":[\(JSONWriter.number(window.lowerBound)),\(JSONWriter.number(window.upperBound))],"
            + "\"clip\":[0,1],\"invert\":\(invert),\"formula\":"
            + JSONWriter.quote("v = clamp((x - window[0]) / (window[1] - window[0]), 0, 1)" + (invert ? "; v = 1 - v (MONOCHROME1)" : "")
                               + "; x in the image's units (CT: Hounsfield units)")
            + ",\"levels\":" + JSONWriter.quote("a level-k patch pixel is the mean of a 2^k x 2^k block of normalised pixels") + "}"
        var m: [String: String] = [
            "schema": schemaID,
            "tokenmap_schema": TokenMap.schemaID,
            "image_rows": String(map.image.rows),
            "image_columns": String(map.image.columns),
            "pixel_spacing_mm": spacing,
            "modality": map.image.modality ?? "",
            "profile": map.profile.name,
            "profile_domain": map.profile.domain,
            "profile_sha256": map.profile.sha256,
            "normalization": normalization,
            "base_patch": String(map.basePatch),
            "channels": "1",
            "token_order": "the token map's: root tiles row by row, each split depth-first in Z order (top-left, top-right, bottom-left, bottom-right)",
            "box_format": "x, y, w, h in image pixels; tokens at the right and bottom edges may be clipped by the image",
            "source_path": map.source.path,
            "source_frame": String(map.source.frame),
            "sop_instance_uid": map.source.sopInstanceUID ?? "",
            "token_count": String(map.tokens.count),
            "uniform_token_count": String(map.stats.uniformTokenCount),
            "version": tesseraVersion,
        ]
        if let a = map.assessment {
            m["region"] = a.region
            m["conservative"] = String(a.conservative)
            if let reason = a.conservativeReason { m["conservative_reason"] = reason }
        }
        if let names = map.stats.featureNames { m["pyramid_features"] = "[" + names.map(JSONWriter.quote).joined(separator: ",") + "]" }
        return m
    }
}
