-- The PostgreSQL library (core/store/postgres.py), in its own schema so it can share a database.
-- Run on every open, under an advisory lock: each statement is a no-op once the tables exist.
CREATE SCHEMA IF NOT EXISTS docchat;
CREATE TABLE IF NOT EXISTS docchat.meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE IF NOT EXISTS docchat.documents (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256 text NOT NULL UNIQUE,
    name text NOT NULL,
    type text NOT NULL,
    pages integer,
    chunks integer NOT NULL,
    size bigint NOT NULL,
    added text NOT NULL,
    note text NOT NULL DEFAULT '',
    collection text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS documents_name ON docchat.documents (name);
-- The uploaded files themselves, so every app instance can serve a download without a shared disk.
CREATE TABLE IF NOT EXISTS docchat.originals (
    document_id bigint PRIMARY KEY REFERENCES docchat.documents (id) ON DELETE CASCADE,
    data bytea NOT NULL
);
-- embedding starts without a dimension; the first vectors set it (vector(n)) and the HNSW index
-- is built then. NULL: a chunk committed keyword-first, its vector still to come (core.ingest.background). words: full-text search with the 'simple' configuration (lower-cased, no stemming,
-- no stop words), so German and Korean words are kept as written; the heading weighs more (A).
CREATE TABLE IF NOT EXISTS docchat.chunks (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES docchat.documents (id) ON DELETE CASCADE,
    ordinal integer NOT NULL,
    page integer,
    text text NOT NULL,
    heading text,
    embedding vector,
    words tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(heading, '')), 'A') || setweight(to_tsvector('simple', text), 'B')
    ) STORED
);
-- A library from before keyword-first kept every vector NOT NULL; checked first, as below.
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'docchat'
               AND table_name = 'chunks' AND column_name = 'embedding' AND is_nullable = 'NO') THEN
        ALTER TABLE docchat.chunks ALTER COLUMN embedding DROP NOT NULL;
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS chunks_document ON docchat.chunks (document_id);
-- The chunks still waiting for their vector: what the background embedder and the pages look up.
CREATE INDEX IF NOT EXISTS chunks_waiting ON docchat.chunks (id) WHERE embedding IS NULL;
CREATE INDEX IF NOT EXISTS chunks_words ON docchat.chunks USING gin (words);
-- Each chunk's sentence vectors (core/ingest/sentences.py) as one float16 matrix; none for a
-- one-piece chunk. Read by id for the few dozen candidates of a search, never searched.
CREATE TABLE IF NOT EXISTS docchat.chunk_sentences (
    chunk_id bigint PRIMARY KEY REFERENCES docchat.chunks (id) ON DELETE CASCADE,
    vectors bytea NOT NULL
);
-- Conversations (core/store/chats.py): written a turn at a time; an answer as the page shows it.
CREATE TABLE IF NOT EXISTS docchat.conversations (
    id text PRIMARY KEY,
    owner text NOT NULL DEFAULT '',
    title text NOT NULL,
    created text NOT NULL,
    updated text NOT NULL,
    scope jsonb  -- what its questions search (core/store/scope.py); NULL: the whole library
);
-- A library from before scopes gets the column; checked first, since an ALTER TABLE takes the table's
-- strongest lock even when it has nothing to do, and this runs on every open.
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'docchat'
                   AND table_name = 'conversations' AND column_name = 'scope') THEN
        ALTER TABLE docchat.conversations ADD COLUMN scope jsonb;
    END IF;
END $$;
CREATE INDEX IF NOT EXISTS conversations_updated ON docchat.conversations (owner, updated);
CREATE TABLE IF NOT EXISTS docchat.turns (
    conversation_id text NOT NULL REFERENCES docchat.conversations (id) ON DELETE CASCADE,
    position integer NOT NULL,
    question text NOT NULL,
    answer jsonb NOT NULL,
    asked text NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
