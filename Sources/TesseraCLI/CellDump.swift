import Scoring

/// Per-cell features and scores as JSON columns (one array per feature).
enum CellDump {
    static func json(_ s: ScoredImage) -> String {
        let f = s.features
        func col(_ name: String, _ v: [Float]) -> String {
            "\"\(name)\": [" + v.map { String(format: "%.4g", $0) }.joined(separator: ",") + "]"
        }
        var cols = [col("score", s.scores), col("foreground", f.foreground),
                    col("detectability", s.certificate.detectability)]
        for feature in Feature.all(blobRadii: f.blob.count) { cols.append(col(feature.name, feature.values(f))) }
        return "{\"gridRows\": \(f.grid.rows), \"gridColumns\": \(f.grid.columns), \"cellSize\": \(f.grid.cellSize),\n"
            + cols.joined(separator: ",\n") + "\n}\n"
    }
}
