"""The library on disk: documents and chunks in SQLite, vectors in FAISS."""
