"""Follow-up rewrites: what the default model's standalone question says, not only whether one is made.

Whether a follow-up is rewritten is decided without the model (core/chat/followup.py) and measured by
tests/core/chat/test_followup.py; this bench measures the rewrite itself. Every conversation of
tests/data/followups.json labelled ``needs_history`` goes through the app's own path,
``ChatEngine.standalone_question`` (CONDENSE_PROMPT, format_history, the first line of the reply), with
the default model and a retrieve that is never called. A follow-up the decision misses comes back
unchanged, as the app would send it to retrieval; the "model asked" column counts the others. Scores:

- referent recovered: the gold rewrite's content words (``core.chat.citations.content_words``) that
  the follow-up lacks and the history holds (what the rewrite must bring back from the conversation),
  less the words that only frame a question (``EN_FRAME_WORDS``: "does", "many"; ``KO_FRAME_WORDS``:
  되어, and Korean predicates such as 있나요), which a good rewrite may word differently; the score is
  the share of them in the rewrite, and "all referents" the share of rewrites holding every one.
  English words match whole words, case-insensitively. Korean attaches particles, so there a word
  matches when it, or it without one trailing particle (``KO_PARTICLES``), is a substring of the
  rewrite (the gold 트랜스포머의 matches "트랜스포머 디코더는"). These are the gold's words: a right
  rewrite in other words scores lower, so read the misses with ``--verbose``.
- language kept: ``detect_language(rewrite)`` is the conversation's language.
- stays a question: the rewrite ends with "?"; a Korean one may instead end with a question ending
  (``KO_QUESTION_ENDINGS``: -까, -나요, -가요, -니, -죠) before any "." - a rewrite that answers
  ("6개입니다.", "The decoder has 6 layers.") fails.
- seconds: the ``standalone_question`` call (0 for a follow-up the decision passes through).

    .venv/bin/python -m bench.followup_rewrite [--llm NAME] [--json] [--verbose]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import core  # noqa: F401 - offline environment before any library import
from bench._common import loadavg, median, now, table, write_result
from core.chat.citations import content_words
from core.chat.engine import ChatEngine, Turn
from core.chat.followup import needs_history
from core.chat.language import ENGLISH, KOREAN, detect_language

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "followups.json"
LANGUAGES = {"en": ENGLISH, "ko": KOREAN}

# Words of 4+ letters that shape an English question rather than name what it is about.
EN_FRAME_WORDS = frozenset("does have many much what which when where there were with from that this "
                           "they them their about into been each".split())
# Korean words that only frame one (되어 있나요, 몇 개의): predicates are caught by their endings below.
KO_FRAME_WORDS = frozenset({"되어", "개의", "어떤", "무엇"})
# Korean particles a noun may carry; longest first, so 에서 is tried before 에.
KO_PARTICLES = tuple(sorted("은 는 이 가 을 를 의 에 에서 으로 로 와 과 도 만 에게 께서 이랑 랑".split(),
                            key=len, reverse=True))
# A Korean word ending like this is the question's predicate (있나요, 얼마인가요, 됩니까): it frames the
# question, and a rewrite ending in one is still a question.
KO_QUESTION_ENDINGS = ("까", "나요", "가요", "니", "죠")


@dataclass(frozen=True)
class Case:
    language: str  # "en" or "ko"
    history: tuple[str, ...]  # user, assistant, user, ...
    question: str
    standalone: str  # the gold rewrite


def load_cases(path: Path = DATA) -> list[Case]:
    """The conversations labelled as needing the history (those have a gold rewrite)."""
    conversations = json.loads(path.read_text(encoding="utf-8"))["conversations"]
    return [Case(c["language"], tuple(c["history"]), c["question"], c["standalone"])
            for c in conversations if c["needs_history"]]


def turns(history: tuple[str, ...] | list[str]) -> list[Turn]:
    """The history's strings as turns, the user first and the two alternating."""
    return [Turn("user" if i % 2 == 0 else "assistant", text) for i, text in enumerate(history)]


def korean_stem(word: str) -> str:
    """The word without one trailing particle, if something is left (등대는 -> 등대, 층으로 -> 층)."""
    for particle in KO_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)]
    return word


def mentions(text: str, word: str, language: str) -> bool:
    """Whether ``text`` holds ``word`` (a content word, lower case): a whole word in English; in Korean
    the word, or its stem without a particle, anywhere in the text."""
    if language == "ko":
        lowered = text.lower()
        return word in lowered or korean_stem(word) in lowered
    return word in content_words(text)


def is_frame_word(word: str, language: str) -> bool:
    if language == "ko":
        return word in KO_FRAME_WORDS or word.endswith(KO_QUESTION_ENDINGS)
    return word in EN_FRAME_WORDS


def referents(case: Case) -> list[str]:
    """What the rewrite must bring back: the gold rewrite's content words that are not in the follow-up
    but are in the history, question-framing words left out; sorted."""
    history = "\n".join(case.history)
    return sorted(w for w in content_words(case.standalone)
                  if not is_frame_word(w, case.language)
                  and not mentions(case.question, w, case.language) and mentions(history, w, case.language))


def referent_recovery(rewrite: str, words: list[str], language: str) -> float | None:
    """Share of ``words`` the rewrite holds; None when there is nothing to recover."""
    if not words:
        return None
    return sum(mentions(rewrite, w, language) for w in words) / len(words)


def language_kept(rewrite: str, language: str) -> bool:
    return detect_language(rewrite) == LANGUAGES[language]


def stays_question(rewrite: str, language: str) -> bool:
    """Ends with "?"; a Korean rewrite may instead end with a question ending before any full stop."""
    text = rewrite.strip()
    if text.endswith(("?", "？")):
        return True
    return language == "ko" and text.rstrip(".!。 ").endswith(KO_QUESTION_ENDINGS)


def score(case: Case, rewrite: str, seconds: float, asked: bool) -> dict[str, Any]:
    words = referents(case)
    return {"language": case.language, "question": case.question, "rewrite": rewrite, "gold": case.standalone,
            "model_asked": asked, "referents": words,
            "missed": [w for w in words if not mentions(rewrite, w, case.language)],
            "referent_recovery": referent_recovery(rewrite, words, case.language),
            "language_kept": language_kept(rewrite, case.language),
            "stays_question": stays_question(rewrite, case.language), "seconds": seconds}


def summarise(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over the cases; referent shares over the cases that have something to recover."""
    recoveries = [s["referent_recovery"] for s in scores if s["referent_recovery"] is not None]
    asked = [s["seconds"] for s in scores if s["model_asked"]]
    return {
        "cases": len(scores),
        "model_asked": sum(s["model_asked"] for s in scores),
        "referent_recovery": sum(recoveries) / len(recoveries) if recoveries else None,
        "all_referents": sum(r == 1.0 for r in recoveries) / len(recoveries) if recoveries else None,
        "language_kept": sum(s["language_kept"] for s in scores) / len(scores) if scores else None,
        "stays_question": sum(s["stays_question"] for s in scores) / len(scores) if scores else None,
        "median_s": median(asked) if asked else None,
    }


def summaries(scores: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    groups = {"en": [s for s in scores if s["language"] == "en"], "ko": [s for s in scores if s["language"] == "ko"],
              "all": scores}
    return {name: summarise(group) for name, group in groups.items() if group}


COLUMNS = ["language", "cases", "model asked", "referent recovery", "all referents", "language kept",
           "stays a question", "median s"]


def summary_rows(summary: dict[str, dict[str, Any]]) -> list[list[Any]]:
    keys = ["cases", "model_asked", "referent_recovery", "all_referents", "language_kept", "stays_question",
            "median_s"]
    return [[name, *("–" if s[k] is None else s[k] for k in keys)] for name, s in summary.items()]


def _never_called(question: str) -> Any:
    raise AssertionError(f"the rewrite bench retrieved for {question!r}")


def run(llm: Any, cases: list[Case], verbose: bool = False) -> list[dict[str, Any]]:
    engine = ChatEngine(_never_called, llm)
    scores = []
    for n, case in enumerate(cases, 1):
        asked = needs_history(case.question)
        started = now()
        rewrite = engine.standalone_question(case.question, turns(case.history))
        scored = score(case, rewrite, now() - started if asked else 0.0, asked)
        scores.append(scored)
        if verbose:
            marks = (f"referents {scored['referent_recovery'] if scored['referent_recovery'] is not None else '–'}"
                     f"{' missed ' + ', '.join(scored['missed']) if scored['missed'] else ''}; "
                     f"language {'kept' if scored['language_kept'] else 'LOST'}; "
                     f"{'question' if scored['stays_question'] else 'NOT A QUESTION'}; {scored['seconds']:.1f} s")
            print(f"{n:2} [{case.language}] {case.question} -> {rewrite}\n     gold: {case.standalone}\n     {marks}",
                  flush=True)
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.followup_rewrite", description=__doc__.splitlines()[0])
    parser.add_argument("--llm", help="model name (default: the settings' model)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON instead of tables")
    parser.add_argument("--verbose", action="store_true", help="print each follow-up -> rewrite")
    args = parser.parse_args(argv)
    from core.llms.registry import load_llm
    from core.settings import load_settings

    settings = load_settings()
    load_before = loadavg()
    started = now()
    llm = load_llm(args.llm or settings.llm, settings)
    load_s = now() - started
    cases = load_cases()
    scores = run(llm, cases, verbose=args.verbose and not args.json)
    summary = summaries(scores)
    payload = {"llm": llm.name, "data": str(DATA.relative_to(DATA.parents[2])), "load_s": load_s,
               "summary": summary, "cases": scores, "loadavg_1m_before": load_before}
    out = write_result("followup_rewrite", payload)
    if args.json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    print(table(COLUMNS, summary_rows(summary)))
    print(f"{llm.name}, loaded in {load_s:.1f} s; load average (1 min): {load_before} before, {loadavg()} after")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
