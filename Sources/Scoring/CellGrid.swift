/// The image divided into basePatch × basePatch cells (the finest tokens);
/// cells on the right and bottom edges are clipped.
public struct CellGrid: Sendable, Equatable {
    public let cellSize: Int
    public let imageRows: Int
    public let imageColumns: Int
    public let rows: Int
    public let columns: Int

    public init(imageRows: Int, imageColumns: Int, cellSize: Int) {
        self.cellSize = cellSize
        self.imageRows = imageRows
        self.imageColumns = imageColumns
        rows = (imageRows + cellSize - 1) / cellSize
        columns = (imageColumns + cellSize - 1) / cellSize
    }

    public var count: Int { rows * columns }
}
