CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    pages INTEGER,
    chunks INTEGER NOT NULL,
    size INTEGER NOT NULL,
    added TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    collection TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    page INTEGER,
    text TEXT NOT NULL,
    heading TEXT
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
-- Each chunk's sentence vectors (core/ingest/sentences.py) as one float16 matrix, rows of the
-- library's dimension; none for a one-piece chunk. Written in the chunk's own transaction.
CREATE TABLE IF NOT EXISTS chunk_sentences (
    chunk_id INTEGER PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE,
    vectors BLOB NOT NULL
);
