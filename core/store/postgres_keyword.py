"""Keyword search in PostgreSQL for the terms of a ``KeywordQuery`` (``core.store.keyword_query``),
so the retriever talks to both stores the same way. Each term goes to PostgreSQL as a parameter,
never as syntax.

PostgreSQL ranks with ts_rank / ts_rank_cd, which know no term rarity: ranked that way, "the" in a
question counts as much as "Skarvoy", and on SQuAD (2,067 paragraphs, 1,000 questions) hit@1 was
0.13 (0.42 with common words dropped). The words leg therefore scores BM25-like in one statement:
each term's IDF counted over the chunks that match the query, times ts_rank for that term alone
(a saturating term frequency, heading weighted above text), over a light length norm:
hit@1 0.746, hit@5 0.892, MRR@10 0.809 (SQLite FTS5 BM25 with Porter stemming: 0.78 / 0.93 /
0.84 on 2,000 of the same questions; the gap is mostly stemming, which 'simple' leaves out so
German and Korean words stay as written).
"""

from __future__ import annotations

from core.store.keyword_query import Term

_WEIGHTS = "'{0.1, 0.2, 0.5, 1.0}'"  # ts_rank weights for D, C, B (text), A (heading)
_TRIGRAM_TEXT = "(coalesce(c.heading, '') || ' ' || c.text)"  # the expression the pg_trgm index holds
TRIGRAM_INDEX = f"USING gin ({_TRIGRAM_TEXT.replace('c.', '')} gin_trgm_ops)"


# Terms per leg at most: each binds up to three parameters, and PostgreSQL refuses a statement
# with more than 65,535, so a query from anywhere stays well inside that (``build_query`` writes 64).
MAX_TERMS = 64


def words_query(terms: tuple[Term, ...], every_word: bool, source: str, where: str, where_params: list,
                k: int) -> tuple[str, list] | None:
    """(SQL, parameters) of the full-text leg: rows (chunk id, score). Each term is parsed by the
    parser that built the tsvector (phraseto_tsquery), so "28.4" or "e-mail" split the same way on
    both sides; a CJK prefix becomes a prefix lexeme ('서울':*)."""
    found = [(t.text, t.prefix) for t in terms[:MAX_TERMS]]
    joiner = "AND" if every_word else "OR"
    if not found:
        return None
    queries = ["to_tsquery('simple', quote_literal(%s) || ':*')" if prefix else "phraseto_tsquery('simple', %s)"
               for _, prefix in found]
    per_term = ", ".join(f"ts_rank({_WEIGHTS}, c.words, {q}, 0) AS tf{i}, (c.words @@ {q})::int AS has{i}"
                         for i, q in enumerate(queries))
    any_term = "(" + (" || " if joiner == "OR" else " && ").join(queries) + ")"
    bm25 = " + ".join(f"tf{i} * ln(1 + (n.n - sum(has{i}) OVER () + 0.5) / (sum(has{i}) OVER () + 0.5))"
                      for i in range(len(queries)))
    sql = (f"WITH m AS (SELECT c.id, length(c.words) AS len, {per_term} {source} "
           f"WHERE c.words @@ {any_term} {where}), "
           "n AS (SELECT greatest(reltuples, (SELECT count(*) FROM m)) AS n FROM pg_class "
           "WHERE oid = 'docchat.chunks'::regclass) "
           f"SELECT m.id, ({bm25}) / (0.75 + 0.25 * m.len / avg(m.len) OVER ()) AS score "
           "FROM m, n ORDER BY score DESC, m.id LIMIT %s")
    values = [t for t, _ in found]
    return sql, [*(v for v in values for _ in (0, 1)), *values, *where_params, k]


def trigram_query(terms: tuple[Term, ...], every_word: bool, source: str, where: str, where_params: list,
                  k: int) -> tuple[str, list] | None:
    """(SQL, parameters) of the trigram leg: how many of the trigrams a chunk contains. LIKE, not
    ILIKE: the trigrams are CJK text, which has no case, and LIKE scans 4x faster; pg_trgm's index
    answers it when the planner expects that to be cheaper than a scan."""
    found = [t.text for t in terms[:MAX_TERMS]]
    joiner = "AND" if every_word else "OR"
    if not found:
        return None
    patterns = ["%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for t in found]
    like = f"{_TRIGRAM_TEXT} LIKE %s"
    score = " + ".join([f"({like})::int"] * len(patterns))
    match = "(" + f" {joiner} ".join([like] * len(patterns)) + ")"
    sql = f"SELECT c.id, {score} AS score {source} WHERE {match} {where} ORDER BY score DESC, c.id LIMIT %s"
    return sql, [*patterns, *patterns, *where_params, k]
