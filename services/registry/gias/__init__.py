"""Reading DfE's Get Information About Schools extracts."""
