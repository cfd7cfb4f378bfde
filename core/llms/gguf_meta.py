"""The few GGUF metadata values a chat prompt needs, read from the file's header and nothing else.

gpt4all 2.8 ignores the chat template a GGUF carries, so ``chat_template`` renders it for gpt4all
(``core/llms/chat_template.py``). This reads the template and the begin/end-of-text tokens by walking
the key/value section at the start of the file (GGUF v2 and v3, little-endian, as written by
llama.cpp's converters since late 2023): values that are not needed are skipped, never decoded, and
the tensors that follow are never touched.

Bounded, because the file may come from anywhere: reading stops with ``GGUFError`` past
``MAX_METADATA_BYTES`` or ``MAX_KEYS``, and a declared length larger than what is left is refused
before anything is allocated. The whole header of the default Qwen2.5-Coder-1.5B file (151,936 tokens
and 151,387 merges) is 5.9 MB; walking it takes 0.5 s on this CPU (1.0 s from a cold page cache), once
per model load, next to seconds for the weights.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"GGUF"
VERSIONS = (2, 3)  # v1 (mid-2023, 32-bit lengths) is not read: no runtime we ship loads it either
MAX_METADATA_BYTES = 64 * 2**20  # 10x the largest header we know of (Gemma 3's 262k-token vocabulary)
MAX_KEYS = 4096  # real files have 20-60 keys
MAX_TEMPLATE_BYTES = 2**20  # the longest templates we know of (tool-calling ones) are ~15 KB

STRING, ARRAY = 8, 9
FIXED = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

TEMPLATE_KEY = "tokenizer.chat_template"
TOKENS_KEY = "tokenizer.ggml.tokens"
BOS_KEY, EOS_KEY = "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id"
ADD_BOS_KEY, TOKENIZER_KEY = "tokenizer.ggml.add_bos_token", "tokenizer.ggml.model"
# Tokenizers llama.cpp adds a BOS token for when the file does not say (SentencePiece "llama" vocabularies).
ADDS_BOS_BY_DEFAULT = ("llama",)


class GGUFError(ValueError):
    """The file is not a GGUF this reader accepts, or its header breaks a bound."""


@dataclass(frozen=True)
class ChatMetadata:
    """What rendering a chat prompt needs from one GGUF. ``adds_bos``: the runtime puts the BOS token
    in front of the prompt itself, so a template's own ``bos_token`` must not be sent a second time."""

    chat_template: str | None = None
    bos_token: str = ""
    eos_token: str = ""
    adds_bos: bool = False


class _Cursor:
    """Reads little-endian values from the mapped header, never past ``limit``."""

    def __init__(self, data: mmap.mmap, limit: int) -> None:
        self.data, self.limit, self.pos = data, limit, 0

    def take(self, size: int) -> int:
        start = self.pos
        if size < 0 or start + size > self.limit:
            raise GGUFError(f"metadata runs past {self.limit:,} bytes")
        self.pos = start + size
        return start

    def value(self, fmt: str) -> int | float | bool:
        return struct.unpack_from("<" + fmt, self.data, self.take(struct.calcsize(fmt)))[0]

    def string(self, keep: bool = True, limit: int = MAX_METADATA_BYTES) -> str | None:
        size = int(self.value("Q"))
        if size > limit:
            raise GGUFError(f"a metadata string of {size:,} bytes (at most {limit:,} read)")
        start = self.take(size)
        return bytes(self.data[start:start + size]).decode("utf-8", errors="replace") if keep else None

    def skip(self, kind: int) -> None:
        if kind in FIXED:
            self.take(struct.calcsize(FIXED[kind]))
        elif kind == STRING:
            self.string(keep=False)
        elif kind == ARRAY:
            item, count = int(self.value("I")), int(self.value("Q"))
            if item in FIXED:
                self.take(count * struct.calcsize(FIXED[item]))
                return
            if count * 8 > self.limit - self.pos:  # every item holds at least an 8-byte length
                raise GGUFError(f"an array of {count:,} items cannot fit in the metadata")
            for _ in range(count):
                self.skip(item)
        else:
            raise GGUFError(f"unknown metadata value type {kind}")


def _tokens(cursor: _Cursor, tokens_at: int, wanted: set[int]) -> dict[int, str]:
    """The entries ``wanted`` of the token list that starts at ``tokens_at`` (its item type and count),
    in one walk up to the highest of them."""
    cursor.pos = tokens_at
    item, count = int(cursor.value("I")), int(cursor.value("Q"))
    wanted = {i for i in wanted if 0 <= i < count}
    if item != STRING or not wanted:
        return {}
    found = {}
    for index in range(max(wanted) + 1):
        text = cursor.string(keep=index in wanted)
        if text is not None:
            found[index] = text
    return found


def read_chat_metadata(path: Path) -> ChatMetadata:
    """The chat template and BOS/EOS tokens of the GGUF at ``path`` (``chat_template`` None when it has none)."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        if size < 24:
            raise GGUFError(f"{path.name} is too short to be a GGUF file")
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _walk(_Cursor(data, min(size, MAX_METADATA_BYTES)), path.name)


def _walk(cursor: _Cursor, name: str) -> ChatMetadata:
    if bytes(cursor.data[:4]) != MAGIC:
        raise GGUFError(f"{name} is not a GGUF file")
    cursor.take(4)
    version = int(cursor.value("I"))
    if version not in VERSIONS:
        raise GGUFError(f"{name} is GGUF version {version}; versions {VERSIONS} are read")
    cursor.value("Q")  # tensor count: the tensors are not read
    keys = int(cursor.value("Q"))
    if keys > MAX_KEYS:
        raise GGUFError(f"{name} declares {keys:,} metadata keys (at most {MAX_KEYS:,} read)")
    found: dict[str, object] = {}
    tokens_at = -1
    for _ in range(keys):
        key = cursor.string() or ""
        kind = int(cursor.value("I"))
        if key == TEMPLATE_KEY and kind == STRING:
            found[key] = cursor.string(limit=MAX_TEMPLATE_BYTES)
        elif key in (BOS_KEY, EOS_KEY, ADD_BOS_KEY) and kind in FIXED:
            found[key] = cursor.value(FIXED[kind])
        elif key == TOKENIZER_KEY and kind == STRING:
            found[key] = cursor.string(limit=256)
        else:
            if key == TOKENS_KEY and kind == ARRAY:
                tokens_at = cursor.pos
            cursor.skip(kind)
    ids = {key: int(found[key]) for key in (BOS_KEY, EOS_KEY) if key in found}  # type: ignore[call-overload]
    tokens = _tokens(cursor, tokens_at, set(ids.values())) if tokens_at >= 0 else {}
    adds_bos = found.get(ADD_BOS_KEY, found.get(TOKENIZER_KEY) in ADDS_BOS_BY_DEFAULT)
    template = found.get(TEMPLATE_KEY)
    return ChatMetadata(chat_template=str(template) if template else None,
                        bos_token=tokens.get(ids.get(BOS_KEY, -1), ""), eos_token=tokens.get(ids.get(EOS_KEY, -1), ""),
                        adds_bos=bool(adds_bos))
