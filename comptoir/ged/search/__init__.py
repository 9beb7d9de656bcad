"""Full-text search of the GED: what a document says (name, folder path, PDF text layer, OCR text),
indexed natively by each database and queried the same way on both (see `backends`)."""
