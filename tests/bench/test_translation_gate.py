"""The translation-gate bench's bookkeeping (bench/translation_gate.py), without a model or a library."""

from __future__ import annotations

from bench.translation_gate import RULES, Translations, judged
from core.retrieval.retriever import Retrieved
from core.store.records import Hit


def _hit(chunk_id: int, text: str) -> Hit:
    return Hit("paper.pdf", 1, text, 0.5, "ab" * 32, chunk_id, similarity=0.8)


HITS = {
    "드롭아웃 비율은?": [_hit(1, "BLEU scores."), _hit(2, "드롭아웃은 중요하다."), _hit(3, "Adam.")],
    "장미란 차관은?": [_hit(4, "장미란 차관은 선수촌을 찾았다."), _hit(1, "BLEU scores.")],
    "What is the dropout rate?": [_hit(5, "We apply dropout of 0.1.")],
}


class App:
    def retrieve(self, question: str) -> Retrieved:
        return Retrieved(HITS[question], True)


def test_each_rule_is_judged_on_the_same_translation_asked_once():
    asked: list[str] = []

    def translate(question: str) -> str:
        asked.append(question)
        return "What is the dropout rate?"

    translations = Translations(translate)
    gold = {"드롭아웃 비율은?": 5, "장미란 차관은?": 4}
    questions = [(q, lambda hits, c=c: next((n for n, h in enumerate(hits, 1) if h.chunk_id == c), None))
                 for q, c in gold.items()]
    ranks, sent = judged(App(), translations, questions)  # type: ignore[arg-type]
    assert asked == ["드롭아웃 비율은?", "장미란 차관은?"]  # each once, whatever the number of rules
    assert sent["never"] == 0 and sent["any English passage"] == 2 and sent["the best passage English"] == 1
    assert sent["the product's rule"] == sent["the best passage English"]
    assert ranks["never"] == [None, 1] and ranks["the best passage English"] == [1, 1]
    assert set(ranks) == set(RULES)
