-- Full-text indexes over the chunk table (external content: the text is stored once, in chunks).
-- chunks_fts: words, Porter-stemmed, accents folded: English, German and numbers ("28.4" is the
-- phrase "28 4"). chunks_trigram: character trigrams, for Korean and other scripts whose words
-- carry particles and have no spaces to split on. Triggers keep both in step with chunks, also
-- when a document's chunks go by ON DELETE CASCADE.
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    heading, text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_trigram USING fts5(
    heading, text, content='chunks', content_rowid='id', tokenize='trigram'
);
CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, heading, text) VALUES (new.id, new.heading, new.text);
    INSERT INTO chunks_trigram (rowid, heading, text) VALUES (new.id, new.heading, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
    INSERT INTO chunks_trigram (chunks_trigram, rowid, heading, text) VALUES ('delete', old.id, old.heading, old.text);
END;
