"""``eval feedback``: thumbs on the Chat page become retrieval cases on the user's own library."""

from __future__ import annotations

from core.eval.feedback import feedback_cases, run_feedback
from core.service import DocChat


def _answer(app: DocChat, question: str, **extra: object) -> dict:
    hits = app.search(question, 3)
    sources = [{"n": n, "source": h.source, "page": h.page, "text": h.text, "sha256": h.sha256}
               for n, h in enumerate(hits, 1)]
    return {"role": "assistant", "content": "…", "sources": sources, "found": True, **extra}


def test_confirmed_answers_become_cases_and_disliked_ones_are_listed(app: DocChat, lighthouse_pdf, tmp_path):
    [pdf] = app.ingest_paths([lighthouse_pdf])
    notes = tmp_path / "bakery.txt"
    notes.write_text("The bakery on the harbour opens at six and sells rye bread.", encoding="utf-8")
    [txt] = app.ingest_paths([notes])
    first = app.save_turn(None, "When was the Skarvoy lighthouse built?", _answer(app, "lighthouse built 1874"))
    follow = {"role": "assistant", "content": "Rye bread [2].", "found": True,
              "searched": "What bread does the bakery sell?",
              "sources": [{"n": 1, "source": "lighthouse.pdf", "sha256": pdf.sha256},
                          {"n": 2, "source": "bakery.txt", "sha256": txt.sha256}], "check": {"cited": [2]}}
    app.save_turn(first.id, "And the bread?", follow)
    app.save_turn(first.id, "Who is the keeper?", _answer(app, "keeper"))
    assert app.set_feedback(first.id, 1, 1) and app.set_feedback(first.id, 2, 1)
    assert app.set_feedback(first.id, 3, 0, "  wrong person  ")
    cases, disliked = feedback_cases(app)
    assert [(c.question, c.turn) for c in cases] == [("When was the Skarvoy lighthouse built?", 1),
                                                     ("What bread does the bakery sell?", 2)]
    assert cases[0].sha256 == _answer(app, "lighthouse built 1874")["sources"][0]["sha256"]
    assert [(d.question, d.comment) for d in disliked] == [("Who is the keeper?", "wrong person")]
    report = run_feedback(app, cases)
    assert report["cases"] == 2 and 0 <= report["hit@1"] <= report["hit@5"] <= 1
    app.delete(txt.sha256)  # a confirmed document deleted since: no longer a case
    assert [c.turn for c in feedback_cases(app)[0]] == [1]
    assert pdf.ok
