"""urbanmap's library: database, coordinate systems, queries. Importable without FastAPI."""
