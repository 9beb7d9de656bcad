"""The GED pages: tree, documents, folder toolbar, trash. Reads through `ged.selectors`, writes through
`ged.services`; anything outside the user's scope is a 404."""
