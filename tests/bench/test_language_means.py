"""The shipped language means come only from even-numbered articles, so the questions of odd-numbered ones
are held out from them (bench.centering reports both halves)."""

import json

from bench.language_means import reference_paragraphs


def test_only_the_paragraphs_of_even_numbered_articles_are_sampled(tmp_path):
    articles = [{"title": f"a{n}", "paragraphs": [{"context": f"article {n} paragraph {p}", "qas": []}
                                                   for p in range(3)]} for n in range(5)]
    path = tmp_path / "set.json"
    path.write_text(json.dumps({"data": articles}), encoding="utf-8")
    every = reference_paragraphs(path, 100, seed=0)
    assert sorted(every) == sorted(f"article {n} paragraph {p}" for n in (0, 2, 4) for p in range(3))
    sample = reference_paragraphs(path, 4, seed=0)
    assert len(sample) == 4 and set(sample) <= set(every) and sample == reference_paragraphs(path, 4, seed=0)
