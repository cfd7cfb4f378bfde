"""One typed settings object: defaults, then a TOML settings file, then environment variables.

Environment variables are named ``DOCCHAT_<FIELD>`` (for example ``DOCCHAT_DATA_DIR``).
The settings file is ``$DOCCHAT_SETTINGS`` or ``settings.toml`` in the working directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "DOCCHAT_"
DEFAULT_LLM = "llama.cpp:qwen2.5-coder-1.5b-instruct-q4_k_m"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = PROJECT_ROOT / "files"
    embedding_model: str = "multilingual-e5-small"  # docs/decisions/003-retrieval.md
    llm: str = DEFAULT_LLM
    chunk_size: int = 700
    chunk_overlap: int = 100
    k: int = 3
    # sentences kept of each passage given to the model, the closest to the question (core/chat/packing.py;
    # BENCHMARKS §15); 0 gives whole passages
    context_sentences: int = 0
    retriever: str = "hybrid"  # vector | keyword | hybrid | hybrid+rerank
    keyword_weight: float = 0.3  # share of the keyword leg in the hybrid score (decision 007)
    # share of each chunk's best sentence (core/ingest/sentences.py); the dense chunk leg gets the
    # rest. 0 turns sentence vectors off: ingest about twice as fast, SQuAD hit@1 0.857 -> 0.829.
    sentence_weight: float = 0.6
    fusion: str = "convex"  # convex | rrf
    candidates: int = 30  # passages each leg hands to fusion (and to the reranker)
    min_similarity: float = -1.0  # below it: "not found"; -1 means the embedding model's calibrated value
    reranker: str = ""  # a local cross-encoder directory, for retriever hybrid+rerank
    temperature: float = 0.1
    max_tokens: int = 384
    context_size: int = 2048
    threads: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    # More models (core/llms/registry.py). model_paths: GGUF files or transformers model folders, used in
    # place, separated by os.pathsep. A URL turns a server backend on ("" = off); questions and passages
    # go to that URL, so the sidebar warns when it is not this machine. llm_timeout: seconds a server
    # may stay silent before the answer fails with a clear message.
    model_paths: str = ""
    ollama_url: str = "http://localhost:11434"
    openai_url: str = ""
    hf_endpoint_url: str = ""
    llm_timeout: float = 120.0
    # Limits on one file and one question (issue 15: bad, hostile or huge input costs bounded memory and
    # time). max_upload_mb governs the CLI, the pages and Streamlit's own upload limit; an Office file
    # or a PDF stream may not expand beyond max_expanded_mb; a file stops being read after max_pages
    # pages, max_ocr_pages pages read with OCR, max_chars characters of text or max_read_seconds.
    max_upload_mb: int = 200
    max_expanded_mb: int = 300
    max_pages: int = 5000
    max_ocr_pages: int = 100
    max_chars: int = 20_000_000
    max_read_seconds: float = 1800.0
    max_question_chars: int = 4000
    # A team library in PostgreSQL + pgvector (core/store/postgres.py, docs/DEPLOY.md), e.g.
    # "postgresql://docchat@db.internal/docchat"; "" keeps the embedded library in data_dir. Keep the
    # password out of it: libpq reads PGPASSWORD or ~/.pgpass.
    database_url: str = ""

    @property
    def sentence_vectors(self) -> bool:
        """Whether ingest embeds each chunk's sentences too (decision 007)."""
        return self.sentence_weight > 0

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def with_data_dir(self, data_dir: str | Path | None) -> Settings:
        return self if data_dir is None else replace(self, data_dir=Path(data_dir))


def _coerce(name: str, raw: object) -> object:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    if kind == "Path":
        return Path(str(raw)).expanduser()
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    return str(raw)


def load_settings(environ: dict[str, str] | None = None, settings_file: Path | None = None) -> Settings:
    """Merge the three layers; unknown keys in the file are an error so typos are caught."""
    env = os.environ if environ is None else environ
    known = {f.name for f in fields(Settings)}
    values: dict[str, object] = {}
    path = settings_file or Path(env.get(ENV_PREFIX + "SETTINGS", "settings.toml"))
    if path.is_file():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        values.update({k: _coerce(k, v) for k, v in data.items()})
    for name in known:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw not in (None, ""):
            values[name] = _coerce(name, raw)
    return Settings(**values)
